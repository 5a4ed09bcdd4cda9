"""Pytest plugin: fails the run when chalicelib makes a DynamoDB, SNS or S3 request its IAM policy does not grant.

Every DynamoDB request of the session is recorded (bench/counting.py, requests only); at the end, actions made
from chalicelib code (not from tests, nor from the table creation the local stack and tests do) must all be in
deploy/template.DYNAMODB_ACTIONS, from which .chalice/policy-*.json are generated. Moto checks no IAM, so
without this a new action would pass every test and fail in AWS with AccessDenied.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.client import BaseClient

from bench.counting import Usage, count_dynamodb
from deploy.media import S3_ACTIONS, S3_OPERATIONS
from deploy.template import DYNAMODB_ACTIONS, SNS_ACTIONS

# Table creation is done by CloudFormation in AWS (and by the local stack / tests here), never by the Lambdas.
_DEPLOY_TIME = ("chalicelib.store.schema",)
# Transactions have no IAM action of their own: each item is authorised as its underlying action.
_IAM_ACTIONS = {
    "TransactWriteItems": ("ConditionCheckItem", "DeleteItem", "PutItem", "UpdateItem"),
    "TransactGetItems": ("GetItem",),
}

_usage: Usage | None = None


def used_by_runtime(usage: Usage) -> dict[str, str]:
    """DynamoDB actions chalicelib made at run time -> one module that made it."""
    found: dict[str, str] = {}
    for call in usage.calls:
        ours = [m for m in call.callers if m.startswith("chalicelib.")]
        if ours and not any(m in _DEPLOY_TIME for m in ours):
            found.setdefault(call.operation, ours[0])
    return found


@pytest.fixture(scope="session", autouse=True)
def _record_dynamodb_actions() -> Iterator[None]:
    global _usage
    with count_dynamodb(measure_capacity=False) as usage:
        _usage = usage
        yield


_sns_used: dict[str, str] = {}  # SNS operation -> the chalicelib module that made it
_s3_used: dict[str, str] = {}  # the same for S3 (media)
_sns_lock = threading.Lock()


@pytest.fixture(scope="session", autouse=True)
def _record_sns_actions() -> Iterator[None]:
    """The same for SNS (offline push): every SNS call chalicelib makes must be in deploy/template.SNS_ACTIONS."""
    raw = BaseClient._make_api_call

    def recorded(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        service = client.meta.service_model.service_name
        if service in ("sns", "s3"):
            frame: Any = sys._getframe(1)
            while frame is not None:
                name = str(frame.f_globals.get("__name__", ""))
                if name.startswith("chalicelib."):
                    if frame.f_code.co_name == "create_bucket":
                        break  # the bucket is the stack's (CloudFormation), made here only by tests and the devstack
                    with _sns_lock:
                        (_sns_used if service == "sns" else _s3_used).setdefault(operation, name)
                    break
                frame = frame.f_back
        return raw(client, operation, params)

    BaseClient._make_api_call = recorded  # type: ignore[method-assign]
    yield
    BaseClient._make_api_call = raw  # type: ignore[method-assign]


_problem: str | None = None


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    global _problem
    if _usage is None:
        return
    missing_sns = [f"sns:{op} (from {where})" for op, where in sorted(_sns_used.items()) if op not in SNS_ACTIONS]
    if missing_sns:
        _problem = (
            "chalicelib uses SNS actions the Lambda policy does not grant:\n  "
            + "\n  ".join(missing_sns)
            + "\nadd them to deploy/template.SNS_ACTIONS and run `.venv/bin/python -m deploy.template policies`"
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        return
    missing_s3 = [
        f"s3:{action} (from {where} via {op})"
        for op, where in sorted(_s3_used.items())
        for action in S3_OPERATIONS.get(op, (op,))
        if action not in S3_ACTIONS
    ]
    if missing_s3:
        _problem = (
            "chalicelib uses S3 actions the Lambda policy does not grant:\n  "
            + "\n  ".join(missing_s3)
            + "\nadd them to deploy/media.S3_ACTIONS (and S3_OPERATIONS) and run `.venv/bin/python -m deploy.template"
            " policies`"
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        return
    missing = {
        action: f"{where} via {op}" if action != op else where
        for op, where in used_by_runtime(_usage).items()
        for action in _IAM_ACTIONS.get(op, (op,))
        if action not in DYNAMODB_ACTIONS
    }
    if not missing:
        return
    lines = [f"dynamodb:{op} (from {where})" for op, where in sorted(missing.items())]
    _problem = (
        "chalicelib uses DynamoDB actions the Lambda policy does not grant:\n  "
        + "\n  ".join(lines)
        + "\nadd them to deploy/template.DYNAMODB_ACTIONS and run `.venv/bin/python -m deploy.template policies`"
    )
    session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _problem:
        terminalreporter.section("IAM guard", red=True)
        terminalreporter.write_line(_problem, red=True)
