"""Use cases, one module per feature; they receive their ports (services/ports.py) in the constructor."""
