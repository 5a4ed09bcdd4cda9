"""Domain rules: stdlib only, no AWS."""
