import dataclasses
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from moto.dynamodb.models import DynamoDBBackend

from chalicelib.domain import errors
from chalicelib.domain.apps import AppConfig


def _admit(svc, app) -> bool:
    try:
        svc.guard.admit(app)
    except errors.RateLimited:
        return False
    return True


@pytest.fixture
def serialised_writes(monkeypatch):
    """DynamoDB applies conditional writes to one item one at a time; moto checks and writes without a lock, so
    threads can interleave inside one request. Serialising moto's write paths restores DynamoDB's guarantee."""
    lock = threading.Lock()
    for name in ("put_item", "update_item", "delete_item", "transact_write_items"):
        original = getattr(DynamoDBBackend, name)

        def locked(self, *args, _original=original, **kwargs):
            with lock:
                return _original(self, *args, **kwargs)

        monkeypatch.setattr(DynamoDBBackend, name, locked)


def test_parallel_callers_never_exceed_the_apps_calls_per_second(svc, tenant, clock, serialised_writes):
    app = svc.apps.get(tenant.sdkappid)
    assert app.config.rest_rate_per_second == 100  # FAQ default
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: _admit(svc, app), range(130)))
    assert results.count(True) == 100
    clock.advance(1)  # the next second has a fresh budget
    assert _admit(svc, app) is True


def test_a_configured_rate_applies_and_zero_means_unlimited(svc, tenant, clock):
    app = svc.apps.set_config(tenant.sdkappid, AppConfig(rest_rate_per_second=3))
    assert [_admit(svc, app) for _ in range(4)] == [True, True, True, False]
    unlimited = dataclasses.replace(app, config=AppConfig(rest_rate_per_second=0))
    assert all(_admit(svc, unlimited) for _ in range(10))


def test_windows_of_different_apps_are_separate(svc, tenant, clock):
    other = svc.apps.create(1400000002, "other", ["administrator"])
    small = dataclasses.replace(svc.apps.get(tenant.sdkappid), config=AppConfig(rest_rate_per_second=1))
    assert _admit(svc, small) is True
    assert _admit(svc, small) is False
    assert _admit(svc, dataclasses.replace(other, config=AppConfig(rest_rate_per_second=1))) is True


def test_over_the_limit_is_60007(svc, tenant):
    app = dataclasses.replace(svc.apps.get(tenant.sdkappid), config=AppConfig(rest_rate_per_second=1))
    svc.guard.admit(app)
    with pytest.raises(errors.RateLimited) as caught:
        svc.guard.admit(app)
    assert caught.value.error_code == 60007
