"""An in-process Yuntong on moto for benchmarks: tables, services, one app and a REST caller over chalice.test."""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from chalicelib import wiring
from chalicelib.config import Settings
from chalicelib.domain.clock import FixedClock
from tests.builders import RestCaller, Tenant, make_tenant
from tests.fakes import RecordingPusher

SETTINGS = Settings(stage="bench", region="us-east-1", table_prefix="bench")


@dataclass
class Sandbox:
    services: wiring.Services
    clock: FixedClock
    tenant: Tenant
    api: RestCaller  # api.ok("service/command", body) like an app backend, as the tenant's admin


def _fake_aws_environment() -> None:
    # mock_aws stops intercepting if any AWS_ENDPOINT_URL* is set; never reach real AWS from a benchmark
    for key in [k for k in os.environ if k.startswith("AWS_ENDPOINT_URL")]:
        del os.environ[key]
    os.environ.pop("AWS_PROFILE", None)
    os.environ.update(
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",
        AWS_SESSION_TOKEN="bench",
        AWS_DEFAULT_REGION="us-east-1",
    )


@contextmanager
def sandbox() -> Iterator[Sandbox]:
    _fake_aws_environment()
    from chalice.test import Client
    from moto import mock_aws

    from chalicelib.store.schema import create_tables

    app = importlib.import_module("app").app  # app.py is the entry point, outside the type-checked packages

    with mock_aws():
        create_tables(SETTINGS)
        clock = FixedClock()
        built = wiring.build(SETTINGS, clock=clock, pusher=RecordingPusher())
        wiring.install(built)
        try:
            tenant = make_tenant(built, clock)
            with Client(app) as client:
                yield Sandbox(built, clock, tenant, RestCaller(client, tenant))
        finally:
            wiring.install(None)
            _drop_tables()


def _drop_tables() -> None:
    """Leave no sandbox tables behind: inside a test session moto's world outlives this block, and the next
    sandbox must start empty (its app would otherwise exist already)."""
    import boto3

    from chalicelib.config import TABLE_KEYS

    client = boto3.client("dynamodb", region_name=SETTINGS.region)
    for key in TABLE_KEYS:
        client.delete_table(TableName=SETTINGS.table_name(key))
