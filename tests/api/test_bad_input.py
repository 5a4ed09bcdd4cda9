"""Bad input, for EVERY registered command, derived from its declared fields (registry `fields=`).

Per command, over REST (chalice.test): malformed JSON, a body that is not an object, a UserSig of another app, the
wrong role (an account calling an admin command, or naming another account in the acting field) and, per declared
field (nested ones too): wrong type, missing when required, oversize string, out-of-range integer (2**70, and -1
for unsigned), unknown account or group. Each answers a documented Tencent code (never 0, never 70500), or for an
unknown id inside a list a per-item error, and writes nothing (every table compared before and after).

A command registered without `fields=` fails here: declaring them is how a new command joins the matrix.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from chalice.test import Client

from app import app
from bench.counting import count_dynamodb
from chalicelib import wiring
from chalicelib.api import registry
from chalicelib.api.fields import Field, Kind
from chalicelib.domain import errors
from chalicelib.domain.clock import FixedClock
from tests import moto_world
from tests.builders import RestCaller, Tenant, make_tenant
from tests.conftest import TEST_SETTINGS
from tests.fakes import InlineTaskQueue, RecordingPusher

ALICE, BOB, CAROL = "alice", "bob", "carol"
GHOST, GHOST_GROUP = "ghost_account", "ghost_group"
TEXT = [{"MsgType": "TIMTextElem", "MsgContent": {"Text": "hi"}}]
OTHER_APP = 1400000777
COMMANDS = registry.commands()
# Commands whose valid part stands when one item fails (as in Tencent): sns/group_add creates the named friend groups
# whatever each To_Account answers. There, an unknown id answered per item may write; every other case may not.
PARTIAL = {"sns/group_add"}
WRITES = ("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems")


@dataclass(frozen=True)
class World:
    """The data every command's matrix starts from, made once per module and put back before each command."""

    tables: moto_world.Saved
    time: float
    tenant: tuple[int, str, str]  # sdkappid, key, admin
    other: tuple[int, str, str]
    group: str


@pytest.fixture(scope="module")
def _world(_moto_session: None) -> Iterator[World]:
    """Three accounts, a Public group, a C2C message and a second app, made through the API once: making them for
    each of the ~120 commands cost a third of the matrix's time. Each test gets them back (`world`) on fresh services
    and a clock at the same instant, as if it had made them itself."""
    clock = FixedClock(1_700_000_000.0)
    svc = wiring.build(TEST_SETTINGS, clock=clock, pusher=RecordingPusher(), tasks=InlineTaskQueue())
    wiring.install(svc)
    try:
        tenant = make_tenant(svc, clock)
        with Client(app) as client:
            api = RestCaller(client, tenant)
            api.ok("im_open_login_svc/multiaccount_import", {"Accounts": [ALICE, BOB, CAROL]})
            members = [{"Member_Account": BOB}]
            gid = api.ok(
                "group_open_http_svc/create_group",
                {"Type": "Public", "Name": "g", "Owner_Account": ALICE, "MemberList": members},
            )["GroupId"]
            api.ok("openim/sendmsg", {"From_Account": ALICE, "To_Account": BOB, "MsgRandom": 7, "MsgBody": TEXT})
        other = make_tenant(svc, clock, sdkappid=OTHER_APP)
        saved = moto_world.save(TEST_SETTINGS)
    finally:
        wiring.install(None)
        moto_world.empty(TEST_SETTINGS)
    yield World(
        saved, clock.now(), (tenant.sdkappid, tenant.key, tenant.admin), (other.sdkappid, other.key, other.admin), gid
    )


@pytest.fixture
def clock(_world: World) -> FixedClock:
    return FixedClock(_world.time)


@pytest.fixture
def world(_world: World, svc: Any, clock: FixedClock) -> dict[str, Any]:
    moto_world.restore(svc.settings, _world.tables)
    return {"group": _world.group, "other": Tenant(*_world.other, clock)}


@pytest.fixture
def api(world: dict[str, Any], _world: World, clock: FixedClock) -> Iterator[RestCaller]:
    with Client(app) as client:
        yield RestCaller(client, Tenant(*_world.tenant, clock))


def sample(f: Field, cmd: registry.Command, world: dict[str, Any]) -> Any:
    """A well-formed value of the field (it need not make the call succeed: each case breaks one field)."""
    if f.sample is not None:
        return json.loads(json.dumps(f.sample).replace("{group}", world["group"]))
    kind = f.kind
    if kind in (Kind.ACCOUNT, Kind.USER_ID):
        return ALICE if f.name == cmd.acting_field else BOB
    if kind in (Kind.ACCOUNTS, Kind.USER_IDS):
        return [BOB]
    if kind is Kind.GROUP:
        return world["group"]
    if kind is Kind.GROUP_ID:
        return "newgroup1"
    if kind is Kind.INT:
        return min(max(1, f.min_value), f.max_value)
    if kind is Kind.STRING:
        return f.choices[0] if f.choices else "x"
    if kind is Kind.STRINGS:
        return ["x"]
    if kind is Kind.OBJECT:
        return base(f.items, cmd, world)
    if kind is Kind.OBJECTS:
        return [base(f.items, cmd, world)]
    if kind is Kind.ARRAY:
        return []
    if kind is Kind.MSG_BODY:
        return TEXT
    return None  # ANY without a sample: left out


def base(
    fields: tuple[Field, ...], cmd: registry.Command, world: dict[str, Any], keep: str | None = None
) -> dict[str, Any]:
    """Required fields, plus optional account and group ids (so a case on one field gets past the others); a field
    and its alias never together (`keep` says which one a case is about)."""
    skip = {f.alias_of for f in fields if f.alias_of and f.name == keep}
    skip |= {f.name for f in fields if f.alias_of and f.name != keep}
    out: dict[str, Any] = {}
    for f in fields:
        if f.name in skip:
            continue
        if f.required or f.name == keep or f.kind in (Kind.ACCOUNT, Kind.ACCOUNTS, Kind.GROUP):
            value = sample(f, cmd, world)
            if value is not None:
                out[f.name] = value
    given = [f for f in fields if f.name == keep]
    return {**out, **dict(given[0].given)} if given else out


def wrong_type(f: Field) -> Any:
    if f.kind is Kind.INT:
        return "1"
    if f.kind in (Kind.ACCOUNTS, Kind.USER_IDS, Kind.STRINGS, Kind.OBJECTS, Kind.ARRAY):
        return "x"
    if f.kind is Kind.OBJECT:
        return ["x"]
    return 12345


def field_cases(
    fields: tuple[Field, ...], cmd: registry.Command, world: dict[str, Any], code: int, path: str = ""
) -> list[tuple[str, str, dict[str, Any], int | None]]:
    """(class, label, body, exact code or None) for each field, nested items through their parent's sample."""
    out: list[tuple[str, str, dict[str, Any], int | None]] = []
    for f in fields:
        if f.kind in (Kind.MSG_BODY, Kind.ANY):
            continue
        bad = f.code or code
        body = base(fields, cmd, world, keep=f.name)
        label = f"{path}{f.name}"

        def with_value(value: Any, body: dict[str, Any] = body, name: str = f.name) -> dict[str, Any]:
            return {**body, name: value}

        out.append(("wrong type", label, with_value(wrong_type(f)), bad))
        if f.required:
            out.append(("missing", label, {k: v for k, v in body.items() if k != f.name}, bad))
        if f.kind in (Kind.STRING,) and f.max_bytes is not None:
            out.append(("oversize", label, with_value("x" * (f.max_bytes + 1)), bad))
        if f.kind in (Kind.ACCOUNT, Kind.USER_ID):
            out.append(("oversize", label, with_value("u" * 33), bad))
        if f.kind is Kind.GROUP:
            out.append(("oversize", label, with_value("g" * 49), None))
        if f.kind is Kind.INT:
            out.append(("out of range", f"{label}=2**70", with_value(2**70), bad))
            if f.min_value == 0:
                out.append(("out of range", f"{label}=-1", with_value(-1), bad))
        if f.kind is Kind.ACCOUNT:
            out.append(("unknown id", label, with_value(GHOST), None))
        if f.kind is Kind.ACCOUNTS:
            out.append(("unknown id", label, with_value([GHOST]), None))
        if f.kind is Kind.GROUP:
            out.append(("unknown id", label, with_value(GHOST_GROUP), None))
        if f.kind in (Kind.OBJECT, Kind.OBJECTS):
            for klass, inner_label, inner, inner_code in field_cases(f.items, cmd, world, bad, f"{label}."):
                value = inner if f.kind is Kind.OBJECT else [inner]
                out.append((klass, inner_label, with_value(value), inner_code))
    return out


ITEM_CODES = ("ResultCode", "ErrorCode", "RetCode")


def failed_items(reply: Any) -> bool:
    """An OK answer that reports a per-item failure (ResultCode/ErrorCode ≠ 0, Fail_Account, Result 0...)."""
    if isinstance(reply, list):
        return any(failed_items(r) for r in reply)
    if not isinstance(reply, dict):
        return False
    if reply.get("Fail_Account") or reply.get("FailAccounts") or reply.get("ErrorList"):
        return True
    if any(isinstance(reply.get(k), int) and reply[k] != 0 for k in ITEM_CODES if "ActionStatus" not in reply):
        return True
    if "Member_Account" in reply and reply.get("Result") == 0:  # add_group_member: 0 = failed
        return True
    return any(failed_items(v) for k, v in reply.items() if isinstance(v, dict | list))


def documented(code: int) -> bool:
    return code in errors.CODES and code not in (0, 70500)


@pytest.mark.parametrize("cmd", COMMANDS, ids=[c.name for c in COMMANDS])
def test_every_command_refuses_bad_input_with_its_code_and_writes_nothing(
    cmd: registry.Command, api: RestCaller, world: dict[str, Any], clock: Any
) -> None:
    assert cmd.fields is not None, f"{cmd.name} declares no fields: add fields=(...) to its @command"
    name = cmd.name
    before = moto_world.items(TEST_SETTINGS)
    problems: list[str] = []

    def call(label: str, body: Any = None, *, raw: str | None = None, exact: int | None = None, **kw: Any) -> None:
        # ten calls per second: the matrix makes more calls than one second allows (100 by default), and a tenth of
        # that is what one lease of the REST rate window covers, so most calls write no window
        clock.advance(0.1)
        with count_dynamodb(measure_capacity=False) as usage:
            out = api.call(name, body, raw=raw, **kw)
        # Tables are compared (every item, read from moto's memory: moto_world.items) after a case that made a write
        # request (the REST rate window's aside), and once at the end.
        wrote = any(
            c.operation in WRITES and c.failed is None and "chalicelib.store.limits" not in c.callers
            for c in usage.calls
        )
        code = out["ErrorCode"]
        if out["ActionStatus"] == "OK" and code == 0:
            if exact is not None or not failed_items(out):
                problems.append(f"{label}: answered OK {out}")
        elif exact is not None and code != exact:
            problems.append(f"{label}: {code} {out['ErrorInfo']!r}, expected {exact}")
        elif not documented(code):
            problems.append(f"{label}: undocumented code {code} {out['ErrorInfo']!r}")
        if not wrote:
            return
        after = moto_world.items(TEST_SETTINGS)
        if after != before and not (name in PARTIAL and label.startswith("unknown id") and failed_items(out)):
            problems.append(f"{label}: wrote to the tables ({out})")
        before.clear()
        before.update(after)  # report each writing case once

    call("malformed JSON", raw='{"a": ', exact=90001)
    call("body not an object", raw="[1, 2]", exact=90001)
    other = world["other"]
    call("UserSig of another app", {}, sig=other.sig(other.admin))
    valid = base(cmd.fields, cmd, world)
    if not cmd.allow_self:
        call("account calling an admin command", valid, identifier=ALICE, exact=errors.AdminRequired.code)
    elif cmd.acting_field is not None:
        call("naming another account", {**valid, cmd.acting_field: ALICE}, identifier=CAROL, exact=90009)
    for klass, label, body, exact in field_cases(cmd.fields, cmd, world, cmd.invalid_code):
        call(f"{klass} {label}", body, exact=exact)
    if moto_world.items(TEST_SETTINGS) != before:
        problems.append("the tables changed (a write the per-case check missed)")
    assert not problems, f"{name}:\n" + "\n".join(problems)


def test_every_command_declares_its_fields() -> None:
    missing = [c.name for c in COMMANDS if c.fields is None]
    assert not missing, f"commands without fields=(...): {missing}"
