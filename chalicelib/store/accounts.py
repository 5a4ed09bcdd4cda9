"""Accounts and their profiles: one item per account (pk = `{app}#U#{user}`, sk = ACCOUNT), profile as a map.

portrait_get of ≤100 accounts is one BatchGetItem; account_import is one conditional PutItem (plus one UpdateItem
when an existing account is re-imported with Nick/FaceUrl); portrait_set is one conditional UpdateItem.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar

from pynamodb.attributes import MapAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PutError, UpdateError
from pynamodb.expressions.update import Action

from chalicelib.services.ports import AccountRecord
from chalicelib.store.base import BaseModel, TableMeta, delete_partition
from chalicelib.store.keys import ACCOUNT_SK, user_pk


class AccountModel(BaseModel):
    table_key: ClassVar[str] = "entities"

    class Meta(TableMeta):
        pass

    user = UnicodeAttribute()
    created_at = NumberAttribute()
    profile: MapAttribute[str, Any] = MapAttribute(default=dict)
    c2c_mute_until = NumberAttribute(null=True)
    group_mute_until = NumberAttribute(null=True)


def _user_of(pk: str) -> str:
    return pk.split("#U#", 1)[1]


def _plain(value: Any) -> Any:
    # PynamoDB returns numbers stored in a raw map as Decimal-free ints/floats already; normalise floats
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _profile(m: AccountModel) -> dict[str, Any]:
    raw = m.profile.as_dict() if m.profile is not None else {}
    return {k: _plain(v) for k, v in raw.items()}


class DynamoAccountRepo:
    def get_account(self, sdkappid: int, user: str) -> AccountRecord | None:
        try:
            m = AccountModel.get(user_pk(sdkappid, user), ACCOUNT_SK)
        except AccountModel.DoesNotExist:
            return None
        return AccountRecord(
            m.user, int(m.created_at), _profile(m), int(m.c2c_mute_until or 0), int(m.group_mute_until or 0)
        )

    def set_mute(self, sdkappid: int, user: str, c2c_until: int | None, group_until: int | None) -> bool:
        """Set either or both global mute deadlines; False if the account does not exist."""
        actions: list[Action] = []
        if c2c_until is not None:
            actions.append(AccountModel.c2c_mute_until.set(c2c_until))
        if group_until is not None:
            actions.append(AccountModel.group_mute_until.set(group_until))
        if not actions:
            return self.exists(sdkappid, user)
        try:
            AccountModel(user_pk(sdkappid, user), ACCOUNT_SK).update(
                actions=actions, condition=AccountModel.pk.exists()
            )
        except UpdateError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def import_account(self, sdkappid: int, user: str, now: int, profile: Mapping[str, Any]) -> bool:
        """Idempotent create (conditional put); returns True if the account is new. Seeds profile tags."""
        item = AccountModel(user_pk(sdkappid, user), ACCOUNT_SK, user=user, created_at=now, profile=dict(profile))
        try:
            item.save(condition=AccountModel.pk.does_not_exist())
            return True
        except PutError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise
        if profile:
            self.set_profile(sdkappid, user, profile)
        return False

    def existing(self, sdkappid: int, users: Iterable[str]) -> set[str]:
        keys = [(user_pk(sdkappid, u), ACCOUNT_SK) for u in dict.fromkeys(users)]
        return {m.user for m in AccountModel.batch_get(keys, attributes_to_get=["pk", "sk", "user"])}

    def exists(self, sdkappid: int, user: str) -> bool:
        try:
            # Strongly consistent: a UserSig is often used right after its account was imported.
            AccountModel.get(user_pk(sdkappid, user), ACCOUNT_SK, attributes_to_get=["pk"], consistent_read=True)
            return True
        except AccountModel.DoesNotExist:
            return False

    def delete(self, sdkappid: int, user: str) -> None:
        """Remove every item in the account's partition (account, profile, per-account records)."""
        delete_partition(AccountModel, user_pk(sdkappid, user))

    def get_profiles(self, sdkappid: int, users: Sequence[str]) -> dict[str, dict[str, Any]]:
        keys = [(user_pk(sdkappid, u), ACCOUNT_SK) for u in dict.fromkeys(users)]
        out: dict[str, dict[str, Any]] = {}
        for m in AccountModel.batch_get(keys):
            out[m.user] = _profile(m)
        return out

    def set_profile(self, sdkappid: int, user: str, items: Mapping[str, Any]) -> bool:
        if not items:
            return self.exists(sdkappid, user)
        item = AccountModel(user_pk(sdkappid, user), ACCOUNT_SK)
        actions = [AccountModel.profile[tag].set(value) for tag, value in items.items()]
        try:
            item.update(actions=actions, condition=AccountModel.pk.exists())
        except UpdateError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True
