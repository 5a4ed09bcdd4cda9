"""The local stack's environment for the app: in-process moto leaves DynamoDB, SQS and SNS without an endpoint."""

from __future__ import annotations

import pytest

from devstack.settings import StackSettings


def test_python_m_devstack_answers_aws_in_process_unless_told_not_to() -> None:
    assert StackSettings.from_env({}).in_process_aws is True
    assert StackSettings.from_env({"YUNTONG_AWS_IN_PROCESS": "0"}).in_process_aws is False
    assert StackSettings().in_process_aws is False  # a Stack built in a test process keeps the port
    with pytest.raises(ValueError, match="YUNTONG_AWS_IN_PROCESS"):
        StackSettings.from_env({"YUNTONG_AWS_IN_PROCESS": "maybe"})


def test_in_process_the_app_env_names_no_port_but_s3s_and_the_old_endpoints_are_removed() -> None:
    settings = StackSettings.from_env({"YUNTONG_AWS_PORT": "9002"})
    environ = {"AWS_ENDPOINT_URL": "http://elsewhere", "AWS_ENDPOINT_URL_DYNAMODB": "http://x", "KEEP": "1"}
    settings.apply_app_env(environ)
    assert not [k for k in environ if k.startswith("AWS_ENDPOINT_URL")]
    assert "YUNTONG_DYNAMODB_ENDPOINT" not in environ and "YUNTONG_SQS_ENDPOINT" not in environ
    assert environ["YUNTONG_S3_ENDPOINT"] == "http://127.0.0.1:9002"  # presigned URLs are for browsers
    assert environ["KEEP"] == "1" and environ["YUNTONG_STAGE"] == "local"


def test_over_the_port_every_endpoint_is_moto_s() -> None:
    env = StackSettings.from_env({"YUNTONG_AWS_IN_PROCESS": "0", "YUNTONG_AWS_PORT": "9002"}).app_env()
    assert env["AWS_ENDPOINT_URL"] == env["YUNTONG_DYNAMODB_ENDPOINT"] == "http://127.0.0.1:9002"
