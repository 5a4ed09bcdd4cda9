"""The media bucket: presigned uploads (POST policy) and downloads (GET), reads, copies, deletes. The only S3 user."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from chalicelib.domain import media

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Head:
    size: int
    sha256_b64: str | None  # S3's own SHA-256 checksum when the upload carried one


class S3Blobs:
    """Built lazily (no AWS call at import or construction). `endpoint`: moto's server in the local stack; presigned
    URLs then point at it too (path-style), so curl and a browser reach them."""

    def __init__(self, bucket: str, region: str, endpoint: str | None = None) -> None:
        self.bucket = bucket
        self._region = region
        self._endpoint = endpoint
        self._client: Any = None

    @property
    def client(self) -> Any:
        if self._client is None:
            import boto3
            from botocore.config import Config

            style = {"addressing_style": "path"} if self._endpoint else {}
            self._client = boto3.client(
                "s3",
                region_name=self._region,
                endpoint_url=self._endpoint,
                config=Config(signature_version="s3v4", s3=style),
            )
        return self._client

    def presign_post(self, key: str, size: int, content_type: str, seconds: int) -> dict[str, Any]:
        """A browser form upload bound to exactly `size` bytes of `content_type`: {"URL", "Fields"}."""
        post = self.client.generate_presigned_post(
            Bucket=self.bucket,
            Key=key,
            Fields={"Content-Type": content_type},
            Conditions=[{"Content-Type": content_type}, ["content-length-range", size, size]],
            ExpiresIn=seconds,
        )
        return {"URL": post["url"], "Fields": post["fields"]}

    def presign_get(self, key: str, seconds: int, filename: str = "") -> str:
        params: dict[str, Any] = {"Bucket": self.bucket, "Key": key}
        if filename:  # RFC 6266/5987: any name (Chinese too) survives as UTF-8, the browser downloads, never renders
            params["ResponseContentDisposition"] = f"attachment; filename*=UTF-8''{quote(filename, safe='')}"
        url: str = self.client.generate_presigned_url("get_object", Params=params, ExpiresIn=seconds)
        return url

    def head(self, key: str) -> Head | None:
        try:
            got = self.client.head_object(Bucket=self.bucket, Key=key, ChecksumMode="ENABLED")
        except self.client.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        return Head(int(got["ContentLength"]), got.get("ChecksumSHA256"))

    def sha256(self, key: str) -> str:
        """Hex SHA-256 of the object, read in chunks (used when S3 holds no checksum of it)."""
        digest = hashlib.sha256()
        stream = self.client.get_object(Bucket=self.bucket, Key=key)["Body"]
        for chunk in iter(lambda: stream.read(CHUNK), b""):
            digest.update(chunk)
        return digest.hexdigest()

    def read(self, key: str) -> bytes:
        data: bytes = self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        return data

    def put(self, key: str, data: bytes, content_type: str) -> None:
        checksum = base64.b64encode(hashlib.sha256(data).digest()).decode()
        self.client.put_object(
            Bucket=self.bucket, Key=key, Body=data, ContentType=content_type, ChecksumSHA256=checksum
        )

    def copy(self, source: str, target: str) -> None:
        self.client.copy_object(Bucket=self.bucket, Key=target, CopySource={"Bucket": self.bucket, "Key": source})

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=key)

    def delete_prefix(self, prefix: str, max_pages: int) -> tuple[int, bool]:
        """Delete every object under `prefix`, a listing of at most 1000 keys and one DeleteObjects per page, at
        most `max_pages` pages: (pages used, whether objects may be left). The purge of a deleted app."""
        used = 0
        while used < max_pages:
            page = self.client.list_objects_v2(Bucket=self.bucket, Prefix=prefix, MaxKeys=1000)
            used += 1
            keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
            if keys:
                self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": keys, "Quiet": True})
            if not page.get("IsTruncated"):
                return used, False
        return used, True

    def touch(self, key: str) -> None:
        """Copy an object onto itself: S3's lifecycle counts its age from now (a reused object lives on)."""
        self.client.copy_object(
            Bucket=self.bucket,
            Key=key,
            CopySource={"Bucket": self.bucket, "Key": key},
            MetadataDirective="REPLACE",
            ContentType=self.client.head_object(Bucket=self.bucket, Key=key)["ContentType"],
        )


# The bucket's rules, used by the local stack and tests (create_bucket) and by deploy/template.py (CloudFormation).
UPLOAD_DAYS = 1  # uploads/ never completed
EXPORT_DAYS = 8
OBJECT_DAYS = media.OBJECT_DAYS  # objects/: 30 days of roaming + the margin; rows expire per app, never later
CORS_RULES: list[dict[str, Any]] = [
    {
        "AllowedMethods": ["GET", "HEAD", "POST"],
        "AllowedOrigins": ["*"],  # presigned: the signature, not the origin, is the authorisation
        "AllowedHeaders": ["*"],
        "ExposeHeaders": ["ETag"],
        "MaxAgeSeconds": 3600,
    }
]
LIFECYCLE_RULES: list[dict[str, Any]] = [
    {"ID": "uploads", "Filter": {"Prefix": "uploads/"}, "Status": "Enabled", "Expiration": {"Days": UPLOAD_DAYS}},
    {"ID": "objects", "Filter": {"Prefix": "objects/"}, "Status": "Enabled", "Expiration": {"Days": OBJECT_DAYS}},
    # history export chunks and files (blobs/exports.py): a file is listed 7 days after its hour, then deleted
    {"ID": "exports", "Filter": {"Prefix": "exports/"}, "Status": "Enabled", "Expiration": {"Days": EXPORT_DAYS}},
]


def create_bucket(bucket: str, region: str, endpoint: str | None = None) -> None:
    """Create the media bucket with its CORS and lifecycle (idempotent; the local stack and tests)."""
    client = S3Blobs(bucket, region, endpoint).client
    try:
        if region == "us-east-1":
            client.create_bucket(Bucket=bucket)
        else:
            client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
    except client.exceptions.BucketAlreadyOwnedByYou:
        pass
    client.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": CORS_RULES})
    client.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": LIFECYCLE_RULES})
