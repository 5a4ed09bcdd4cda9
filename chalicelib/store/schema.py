"""Physical table definitions from tables.TABLES: created directly (local stack, tests) or as CloudFormation."""

from __future__ import annotations

from typing import Any

from chalicelib.config import Settings
from chalicelib.store.tables import TABLES, TableSpec

TTL_ATTRIBUTE = "expires"


def _gsi_attrs(spec: TableSpec) -> list[str]:
    names = ["pk", "sk"]
    for gsi in spec.gsis:
        names += [f"{gsi}pk", f"{gsi}sk"]
    return names


def create_table_params(spec: TableSpec, name: str) -> dict[str, Any]:
    """CreateTable parameters (on-demand billing)."""
    params: dict[str, Any] = {
        "TableName": name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": a, "AttributeType": "S"} for a in _gsi_attrs(spec)],
        "KeySchema": [
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
    }
    if spec.gsis:
        params["GlobalSecondaryIndexes"] = [
            {
                "IndexName": gsi,
                "KeySchema": [
                    {"AttributeName": f"{gsi}pk", "KeyType": "HASH"},
                    {"AttributeName": f"{gsi}sk", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "KEYS_ONLY" if gsi in spec.keys_only else "ALL"},
            }
            for gsi in spec.gsis
        ]
    if spec.stream:
        params["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": spec.stream}
    return params


def cloudformation_resource(spec: TableSpec, name: str) -> dict[str, Any]:
    props = create_table_params(spec, name)
    if spec.stream:  # CloudFormation's StreamSpecification has the view type only
        props["StreamSpecification"] = {"StreamViewType": spec.stream}
    if spec.ttl:
        props["TimeToLiveSpecification"] = {"AttributeName": TTL_ATTRIBUTE, "Enabled": True}
    props["PointInTimeRecoverySpecification"] = {"PointInTimeRecoveryEnabled": spec.key in ("apps", "entities")}
    return {
        "Type": "AWS::DynamoDB::Table",
        "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain",
        "Properties": props,
    }


def create_tables(settings: Settings, client: Any = None) -> list[str]:
    """Create any missing table (idempotent); returns the names created."""
    import boto3

    ddb = client or boto3.client("dynamodb", region_name=settings.region, endpoint_url=settings.dynamodb_endpoint)
    existing: set[str] = set()
    for page in ddb.get_paginator("list_tables").paginate():
        existing.update(page["TableNames"])
    created = []
    for spec in TABLES:
        name = settings.table_name(spec.key)
        if name in existing:
            continue
        ddb.create_table(**create_table_params(spec, name))
        if spec.ttl:
            ddb.update_time_to_live(
                TableName=name, TimeToLiveSpecification={"AttributeName": TTL_ATTRIBUTE, "Enabled": True}
            )
        created.append(name)
    return created
