"""The local stack behind `make run`: moto, REST, websocket gateway, scheduler on 127.0.0.1 (never deployed)."""
