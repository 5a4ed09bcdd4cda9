"""Outbound calls to app backends (callbacks): the only place that opens HTTP connections to them."""
