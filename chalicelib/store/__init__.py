"""DynamoDB adapters: the only package that imports PynamoDB."""
