"""Adapters for stored bytes: S3 (the only boto3 S3 user) and Pillow (the only image decoder)."""
