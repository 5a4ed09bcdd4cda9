"""The local stack's own settings (ports, demo app, websocket timeouts) and the environment it gives the app."""

from __future__ import annotations

import os
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass

from devstack.aws import FAKE_CREDENTIALS
from devstack.gateway import IDLE_TIMEOUT, MAX_DURATION

HOST = "127.0.0.1"
STAGE = "local"
TABLE_PREFIX = "yuntong-local"


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be an integer, got {raw!r}") from exc


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be a number of seconds, got {raw!r}") from exc
    if value <= 0:
        raise ValueError(f"{name} must be positive, got {raw!r}")
    return value


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{name} must be 1 or 0, got {raw!r}")


# Endpoints that would send the stack's own DynamoDB, SQS and SNS calls to moto's port: in-process they are unset,
# so botocore addresses AWS's hostnames, which mock_aws answers in this process (nothing reaches real AWS either).
IN_PROCESS_UNSET = (
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_DYNAMODB",
    "AWS_ENDPOINT_URL_DYNAMODB_STREAMS",
    "AWS_ENDPOINT_URL_SQS",
    "AWS_ENDPOINT_URL_SNS",
    "YUNTONG_DYNAMODB_ENDPOINT",
    "YUNTONG_SQS_ENDPOINT",
    "YUNTONG_SNS_ENDPOINT",
)


@dataclass(frozen=True)
class StackSettings:
    http_port: int = 8000
    ws_port: int = 8001
    aws_port: int = 8002
    region: str = "us-east-1"
    sdkappid: int = 1400000001
    secret_key: str | None = None
    admin: str = "administrator"
    idle_timeout: float = IDLE_TIMEOUT
    max_duration: float = MAX_DURATION
    # moto answers this process's own AWS calls in-process (devstack/aws.py): `python -m devstack` does unless
    # YUNTONG_AWS_IN_PROCESS=0; a Stack built in a test process (tests/e2e/conftest.py) keeps HTTP to the port, as
    # mock_aws there would merge its moto world with the tests' own mock_aws
    in_process_aws: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> StackSettings:
        e = os.environ if env is None else env
        return cls(
            http_port=_int(e, "YUNTONG_HTTP_PORT", 8000),
            ws_port=_int(e, "YUNTONG_WS_PORT", 8001),
            aws_port=_int(e, "YUNTONG_AWS_PORT", 8002),
            sdkappid=_int(e, "YUNTONG_SDKAPPID", 1400000001),
            secret_key=e.get("YUNTONG_SECRET_KEY") or None,
            admin=e.get("YUNTONG_ADMIN") or "administrator",
            idle_timeout=_seconds(e, "YUNTONG_WS_IDLE_TIMEOUT", IDLE_TIMEOUT),
            max_duration=_seconds(e, "YUNTONG_WS_MAX_DURATION", MAX_DURATION),
            in_process_aws=_flag(e, "YUNTONG_AWS_IN_PROCESS", True),
        )

    @property
    def ports(self) -> dict[str, int]:
        return {"YUNTONG_HTTP_PORT": self.http_port, "YUNTONG_WS_PORT": self.ws_port, "YUNTONG_AWS_PORT": self.aws_port}

    @property
    def aws_endpoint(self) -> str:
        return f"http://{HOST}:{self.aws_port}"

    @property
    def ws_endpoint(self) -> str:
        return f"http://{HOST}:{self.ws_port}"

    def apply_app_env(self, environ: MutableMapping[str, str]) -> None:
        """Give this process the app's environment (app_env), without the port endpoints when moto is in-process."""
        if self.in_process_aws:
            for key in [k for k in environ if k in IN_PROCESS_UNSET or k.startswith("AWS_ENDPOINT_URL")]:
                del environ[key]
        environ.update(self.app_env())

    def app_env(self) -> dict[str, str]:
        """What the app's process sees: the `local` stage, moto for every AWS call, the gateway for @connections.

        In-process (the default), DynamoDB, SQS and SNS have no endpoint (mock_aws answers AWS's own hostnames in
        this process); S3 keeps the port, as presigned URLs must reach moto from a browser."""
        if self.in_process_aws:
            return {k: v for k, v in self._port_env().items() if k not in IN_PROCESS_UNSET}
        return self._port_env()

    def _port_env(self) -> dict[str, str]:
        return {
            **FAKE_CREDENTIALS,
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
            # any client without its own endpoint lands on moto: nothing in the local stack can reach real AWS
            "AWS_ENDPOINT_URL": self.aws_endpoint,
            "AWS_ENDPOINT_URL_DYNAMODB": self.aws_endpoint,
            "AWS_ENDPOINT_URL_SQS": self.aws_endpoint,
            "YUNTONG_STAGE": STAGE,
            "YUNTONG_TABLE_PREFIX": TABLE_PREFIX,
            "YUNTONG_DYNAMODB_ENDPOINT": self.aws_endpoint,
            "YUNTONG_SQS_ENDPOINT": self.aws_endpoint,
            "YUNTONG_S3_ENDPOINT": self.aws_endpoint,  # media: presigned URLs point at moto's port
            "YUNTONG_WS_ENDPOINT": self.ws_endpoint,
            "YUNTONG_BATCH_ITEM_FAILURES": "1",  # the queue poller honours batchItemFailures (devstack/scheduler.py)
        }
