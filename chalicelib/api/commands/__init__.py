"""One module per feature; every module here is imported by the registry."""
