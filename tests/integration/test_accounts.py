"""Account and profile services on DynamoDB (moto): idempotent import, per-item failures, deletion hooks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from chalicelib.domain.errors import DomainError
from chalicelib.services.accounts import AccountService
from chalicelib.services.profiles import ProfileService
from chalicelib.store.accounts import AccountModel, DynamoAccountRepo
from chalicelib.store.keys import ACCOUNT_SK, user_pk
from chalicelib.wiring import Services
from tests.builders import Tenant

APP = 1400000001


class FailingRepo(DynamoAccountRepo):
    """A repository whose writes for some accounts fail like a throttled or broken table would."""

    def __init__(self, broken: set[str]) -> None:
        self.broken = broken

    def import_account(self, sdkappid: int, user: str, now: int, profile: Mapping[str, Any]) -> bool:
        if user in self.broken:
            raise RuntimeError("ProvisionedThroughputExceededException")
        return super().import_account(sdkappid, user, now, profile)


class RecordingHook:
    def __init__(self, repo: DynamoAccountRepo) -> None:
        self.repo = repo
        self.calls: list[tuple[int, str, bool]] = []

    def on_account_deleted(self, sdkappid: int, user: str) -> None:
        # records whether the account still existed when the hook ran (hooks run before the partition goes)
        self.calls.append((sdkappid, user, self.repo.exists(sdkappid, user)))


def test_import_reports_new_accounts_and_keeps_the_first_creation_time(svc: Services, tenant: Tenant) -> None:
    assert svc.accounts.import_account(APP, "alice") is True
    created = AccountModel.get(user_pk(APP, "alice"), ACCOUNT_SK).created_at
    tenant.clock.advance(3600)
    assert svc.accounts.import_account(APP, "alice", nick="Alice") is False
    assert AccountModel.get(user_pk(APP, "alice"), ACCOUNT_SK).created_at == created


def test_a_storage_failure_of_one_account_is_reported_in_fail_accounts(svc: Services, tenant: Tenant) -> None:
    service = AccountService(FailingRepo({"b"}), tenant.clock)
    assert service.import_many(APP, ["a", "b", "c"]) == ["b"]
    assert svc.accounts.existing(APP, ["a", "b", "c"]) == {"a", "c"}


def test_deletion_hooks_run_once_per_deleted_account_before_its_data_goes(svc: Services, tenant: Tenant) -> None:
    repo = DynamoAccountRepo()
    hook = RecordingHook(repo)
    service = AccountService(repo, tenant.clock, deletion_hooks=[hook])
    service.import_many(APP, ["a", "b"])
    results = service.delete_many(APP, ["a", "ghost", "a", "b"])
    assert [(r.user, r.deleted) for r in results] == [("a", True), ("ghost", False), ("b", True)]
    assert hook.calls == [(APP, "a", True), (APP, "b", True)]
    assert svc.accounts.existing(APP, ["a", "b"]) == set()


def test_profile_set_validates_every_item_before_writing_any(svc: Services, tenant: Tenant) -> None:
    svc.accounts.import_account(APP, "alice", nick="Alice")
    profiles = ProfileService(DynamoAccountRepo())
    with pytest.raises(DomainError) as exc:
        profiles.set(APP, "alice", {"Tag_Profile_IM_Nick": "new", "Tag_Profile_IM_Gender": "bad"}, is_admin=True)
    assert exc.value.error_code == 40605
    assert profiles.get_one(APP, "alice") == {"Tag_Profile_IM_Nick": "Alice"}


def test_profile_set_on_an_unknown_account_creates_no_item(svc: Services, tenant: Tenant) -> None:
    with pytest.raises(DomainError) as exc:
        svc.profiles.set(APP, "ghost", {"Tag_Profile_IM_Nick": "Boo"}, is_admin=True)
    assert exc.value.error_code == 40003
    assert list(AccountModel.query(user_pk(APP, "ghost"))) == []


def test_large_numbers_come_back_as_integers(svc: Services, tenant: Tenant) -> None:
    svc.accounts.import_account(APP, "alice")
    svc.profiles.set(APP, "alice", {"Tag_Profile_IM_Level": 4_294_967_295}, is_admin=True)
    value = svc.profiles.get_one(APP, "alice")["Tag_Profile_IM_Level"]
    assert value == 4_294_967_295 and type(value) is int
