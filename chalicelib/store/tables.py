"""The five tables, by lifecycle: one spec used for local creation, tests and the CloudFormation template.

Every table has string keys `pk`/`sk`; GSIs `gsi1`/`gsi2` (string keys) serve alternate access paths. Every
partition key begins with the SDKAppID, so tenants never share a partition. Tables with TTL expire items on the
`expires` attribute (epoch seconds); DynamoDB deletes them up to ~2 days late, so every read filters `expires > now`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TableSpec:
    key: str
    gsis: tuple[str, ...]
    ttl: bool
    purpose: str
    stream: str = ""  # a DynamoDB stream's StreamViewType ("": none)
    keys_only: tuple[str, ...] = ()  # GSIs projecting keys only (an update that changes no key costs them nothing)


TABLES: tuple[TableSpec, ...] = (
    TableSpec("apps", (), False, "app registry (tenants): keys, admins, status, config"),
    # gsi3 (keys only): each account's recent contacts by activity (store/conversations.py)
    TableSpec(
        "entities",
        ("gsi1", "gsi2", "gsi3"),
        False,
        "accounts, profiles, relations, groups, members, conversations",
        keys_only=("gsi3",),
    ),
    # its stream (NEW_IMAGE) feeds the message statistics and the hourly history export (services/history_export.py)
    TableSpec(
        "messages", (), True, "C2C conversation logs and group messages (roaming TTL), group dedup claims", "NEW_IMAGE"
    ),
    TableSpec("connections", ("gsi1",), True, "websocket connections and presence (TTL)"),
    TableSpec("counters", ("gsi1",), True, "counters, daily stats, DAU sets, rate-limit windows"),
)


def spec(key: str) -> TableSpec:
    for table in TABLES:
        if table.key == key:
            return table
    raise KeyError(key)
