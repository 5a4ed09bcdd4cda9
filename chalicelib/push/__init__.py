"""The only package talking to the API Gateway @connections management API: send, Gone → prune, fan-out."""
