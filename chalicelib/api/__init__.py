"""Inbound edge: envelope, error mapping, command registry, auth context, REST and websocket frames."""
