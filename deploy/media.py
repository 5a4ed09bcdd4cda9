"""The media bucket in the packaged stack: its resource (lifecycle, CORS, no public access), the functions'
environment, and the role's S3 statement (exactly the actions chalicelib/blobs/s3.py makes; tests/iam_guard.py
fails the run on one missing here).

There is no separate thumbnail function: the completion (`yuntong_media/complete`), the one point where an object
becomes usable, enqueues a `media_derive` task on the fan-out queue, whose consumer makes the large and thumbnail
versions (chalicelib/services/media.py). That works unchanged in the local stack, gets the queue's retries, DLQ
and alarms, and needs no S3 notification (which would also fire for the derived objects and the uploads).
"""

from __future__ import annotations

from typing import Any

from chalicelib.blobs.s3 import CORS_RULES, LIFECYCLE_RULES

# S3 operation -> the IAM actions it needs (HeadObject is authorised as GetObject, CopyObject as both).
S3_OPERATIONS: dict[str, tuple[str, ...]] = {
    "HeadObject": ("GetObject",),
    "GetObject": ("GetObject",),
    "PutObject": ("PutObject",),  # also what a presigned POST is authorised as
    "CopyObject": ("GetObject", "PutObject"),
    "DeleteObject": ("DeleteObject",),
    "DeleteObjects": ("DeleteObject",),  # a multi-object delete is authorised per key
    "ListObjectsV2": ("ListBucket",),
}
OBJECT_ACTIONS = ("DeleteObject", "GetObject", "PutObject")
# On the bucket itself, limited to the two prefixes: the purge of a deleted app lists its objects to delete them.
BUCKET_ACTIONS = ("ListBucket",)
S3_ACTIONS = OBJECT_ACTIONS + BUCKET_ACTIONS
LOGICAL_ID = "MediaBucket"
PREFIXES = ("uploads/*", "objects/*", "exports/*")  # exports/: the hourly history export (blobs/exports.py)


def statement(bucket_arn: Any) -> dict[str, Any]:
    return {"Sid": "Media", "Effect": "Allow", "Action": [f"s3:{a}" for a in OBJECT_ACTIONS], "Resource": bucket_arn}


def list_statement(bucket_arn: Any) -> dict[str, Any]:
    return {
        "Sid": "MediaList",
        "Effect": "Allow",
        "Action": [f"s3:{a}" for a in BUCKET_ACTIONS],
        "Resource": bucket_arn,
        "Condition": {"StringLike": {"s3:prefix": list(PREFIXES)}},
    }


def chalice_list_statement(table_prefix: str) -> dict[str, Any]:
    return list_statement(f"arn:aws:s3:::{table_prefix}-media")


def cfn_list_statement() -> dict[str, Any]:
    return list_statement({"Fn::Sub": f"arn:${{AWS::Partition}}:s3:::${{{LOGICAL_ID}}}"})


def chalice_statement(table_prefix: str) -> dict[str, Any]:
    """For `chalice deploy` stages (YUNTONG_MEDIA_BUCKET unset: `{table prefix}-media`)."""
    return statement([f"arn:aws:s3:::{table_prefix}-media/{prefix}" for prefix in PREFIXES])


def cfn_statement() -> dict[str, Any]:
    return statement(
        [
            {"Fn::Sub": f"arn:${{AWS::Partition}}:s3:::${{{LOGICAL_ID}}}/uploads/*"},
            {"Fn::Sub": f"arn:${{AWS::Partition}}:s3:::${{{LOGICAL_ID}}}/objects/*"},
            {"Fn::Sub": f"arn:${{AWS::Partition}}:s3:::${{{LOGICAL_ID}}}/exports/*"},
        ]
    )


def _cfn_rule(rule: dict[str, Any]) -> dict[str, Any]:
    return {
        "Id": rule["ID"],
        "Prefix": rule["Filter"]["Prefix"],
        "Status": rule["Status"],
        "ExpirationInDays": rule["Expiration"]["Days"],
        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
    }


def resources() -> dict[str, Any]:
    cors = [
        {
            "AllowedMethods": r["AllowedMethods"],
            "AllowedOrigins": r["AllowedOrigins"],
            "AllowedHeaders": r["AllowedHeaders"],
            "ExposedHeaders": r["ExposeHeaders"],
            "MaxAge": r["MaxAgeSeconds"],
        }
        for r in CORS_RULES
    ]
    return {
        LOGICAL_ID: {
            "Type": "AWS::S3::Bucket",
            # Objects live the longest roaming period plus a margin; a deleted stack keeps them until then.
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": {
                "LifecycleConfiguration": {"Rules": [_cfn_rule(r) for r in LIFECYCLE_RULES]},
                "CorsConfiguration": {"CorsRules": cors},
                "PublicAccessBlockConfiguration": {
                    "BlockPublicAcls": True,
                    "BlockPublicPolicy": True,
                    "IgnorePublicAcls": True,
                    "RestrictPublicBuckets": True,
                },
                "BucketEncryption": {
                    "ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
                },
            },
        }
    }


def environment() -> dict[str, Any]:
    return {"YUNTONG_MEDIA_BUCKET": {"Ref": LOGICAL_ID}}


def outputs() -> dict[str, Any]:
    return {"MediaBucketName": {"Value": {"Ref": LOGICAL_ID}}}
