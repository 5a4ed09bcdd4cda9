"""The local stack answers its own AWS calls in-process (moto's mock_aws, devstack/aws.py) from the same backends
its port serves to the CLI, browsers and tests: what one side writes, the other reads."""

from __future__ import annotations

import os
from typing import Any

import boto3
import pytest

from chalicelib.store.keys import ACCOUNT_SK, user_pk
from tests.e2e.harness import LocalStack

pytestmark = pytest.mark.e2e

ENTITIES = "yuntong-local-entities"


def _port(stack: LocalStack, service: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=f"http://127.0.0.1:{stack.aws_port}",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def _status(stack: LocalStack, user: str) -> str:
    reply = stack.rest("im_open_login_svc/account_check", {"CheckItem": [{"UserID": user}]}).json()
    assert reply["ErrorCode"] == 0, reply
    return str(reply["ResultItem"][0]["AccountStatus"])


def test_an_account_the_app_writes_in_process_is_read_and_deleted_through_the_port(stack: LocalStack) -> None:
    user = f"shared-{os.urandom(3).hex()}"
    assert stack.rest("im_open_login_svc/account_import", {"UserID": user, "Nick": "n"}).json()["ErrorCode"] == 0
    ddb = _port(stack, "dynamodb")
    key = {"pk": {"S": user_pk(stack.sdkappid, user)}, "sk": {"S": ACCOUNT_SK}}
    assert ddb.get_item(TableName=ENTITIES, Key=key)["Item"]["user"] == {"S": user}
    ddb.delete_item(TableName=ENTITIES, Key=key)  # through the port: the app, in-process, no longer finds it
    assert _status(stack, user) == "NotImported"


def test_the_queue_and_bucket_the_stack_made_in_process_are_served_on_the_port(stack: LocalStack) -> None:
    queues = _port(stack, "sqs").list_queues().get("QueueUrls", [])
    assert any(url.endswith("-fanout") for url in queues), queues
    buckets = [b["Name"] for b in _port(stack, "s3").list_buckets()["Buckets"]]
    assert "yuntong-local-media" in buckets
