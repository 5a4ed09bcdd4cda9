"""bench/counting.py: DynamoDB requests, items and capacity units per operation, computed by billing rules."""

from __future__ import annotations

import threading

import boto3
import pytest
from botocore.exceptions import ClientError

from bench.counting import count_dynamodb, item_size, read_units, write_units


@pytest.fixture
def table(aws):
    client = boto3.client("dynamodb", region_name="us-east-1")
    if "t" in client.list_tables()["TableNames"]:  # the moto world lives for the session; items are emptied per test
        return client
    client.create_table(
        TableName="t",
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
    )
    return client


def _item(sk, payload_bytes=0, **extra):
    item = {"pk": {"S": "p"}, "sk": {"S": sk}, **extra}
    if payload_bytes:
        item["v"] = {"S": "x" * payload_bytes}
    return item


def _key(sk):
    return {"pk": {"S": "p"}, "sk": {"S": sk}}


def test_item_size_follows_dynamodb_rules_for_names_and_values():
    assert item_size({"ab": {"S": "héllo"}}) == 2 + 6
    assert item_size({"n": {"N": "12345"}}) == 1 + 4  # 5 significant digits -> 3 bytes + 1
    assert item_size({"n": {"N": "-100.0"}}) == 1 + 2
    assert item_size({"f": {"BOOL": True}, "z": {"NULL": True}}) == 2 + 2
    assert item_size({"m": {"M": {"k": {"S": "vv"}}}}) == 1 + 3 + (1 + 2 + 1)
    assert item_size({"l": {"L": [{"S": "a"}, {"S": "b"}]}}) == 1 + 3 + 2 * 2
    assert item_size(None) == 0


def test_units_round_up_per_item_and_halve_eventually_consistent_reads():
    assert write_units(1) == write_units(1024) == 1
    assert write_units(1025) == 2
    assert read_units(0, consistent=False) == 0.5
    assert read_units(4097, consistent=False) == 1
    assert read_units(4097, consistent=True) == 2


def test_put_get_update_delete_cost_by_item_size(table):
    with count_dynamodb() as usage:
        table.put_item(TableName="t", Item=_item("a", 3000))
        table.get_item(TableName="t", Key=_key("a"))
        table.get_item(TableName="t", Key=_key("a"), ConsistentRead=True)
        table.update_item(
            TableName="t", Key=_key("a"), UpdateExpression="SET w = :w", ExpressionAttributeValues={":w": {"S": "y"}}
        )
        table.delete_item(TableName="t", Key=_key("a"))
    assert usage.operations == {"PutItem": 1, "GetItem": 2, "UpdateItem": 1, "DeleteItem": 1}
    assert [c.wcu for c in usage.calls if c.wcu] == [3, 3, 3]
    assert [c.rcu for c in usage.calls if c.rcu] == [0.5, 1]
    assert (usage.items_read, usage.items_written) == (2, 3)
    assert usage.summary() == "DeleteItem x1 GetItem x2 PutItem x1 UpdateItem x1 · items r/w 2/3 · RCU 1.5 · WCU 9"


def test_update_that_shrinks_an_item_costs_its_size_before(table):
    table.put_item(TableName="t", Item=_item("a", 5000))
    with count_dynamodb() as usage:
        table.update_item(TableName="t", Key=_key("a"), UpdateExpression="REMOVE v")
    assert usage.wcu == 5


def test_failed_conditional_write_is_recorded_and_still_costs_a_write(table):
    table.put_item(TableName="t", Item=_item("a", 10))
    with count_dynamodb() as usage, pytest.raises(ClientError):
        table.put_item(TableName="t", Item=_item("a"), ConditionExpression="attribute_not_exists(pk)")
    (call,) = usage.calls
    assert call.failed == "ConditionalCheckFailedException"
    assert (call.wcu, call.items_written) == (1, 0)


def test_query_costs_the_items_evaluated_before_the_filter_in_one_rounding(table):
    for i in range(3):
        table.put_item(TableName="t", Item=_item(f"s{i}", 2000, kind={"S": "keep" if i == 0 else "drop"}))
    with count_dynamodb() as usage:
        out = table.query(
            TableName="t",
            KeyConditionExpression="pk = :p",
            FilterExpression="kind = :k",
            ProjectionExpression="sk",
            ExpressionAttributeValues={":p": {"S": "p"}, ":k": {"S": "keep"}},
        )
    assert out["Count"] == 1
    (call,) = usage.calls
    assert call.items_read == 3
    assert call.rcu == 1  # ~6.1 KB evaluated -> 2 units of 4 KB, halved


def test_batch_get_rounds_each_item_and_charges_missing_keys_the_minimum(table):
    table.put_item(TableName="t", Item=_item("a", 5000))
    with count_dynamodb() as usage:
        table.batch_get_item(RequestItems={"t": {"Keys": [_key("a"), _key("missing")]}})
    assert usage.rcu == 1 + 0.5
    assert usage.items_read == 1


def test_batch_write_and_transactions_count_per_item_and_double(table):
    with count_dynamodb() as usage:
        table.batch_write_item(
            RequestItems={"t": [{"PutRequest": {"Item": _item("a")}}, {"PutRequest": {"Item": _item("b")}}]}
        )
        table.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": "t", "Item": _item("c", 1500)}},
                {"ConditionCheck": {"TableName": "t", "Key": _key("a"), "ConditionExpression": "attribute_exists(pk)"}},
            ]
        )
    batch, tx = usage.calls
    assert (batch.wcu, batch.items_written) == (2, 2)
    assert (tx.wcu, tx.items_written) == (2 * 2 + 2 * 1, 1)


def test_requests_from_other_threads_are_counted(table):
    with count_dynamodb() as usage:
        workers = [
            threading.Thread(target=table.get_item, kwargs={"TableName": "t", "Key": _key(str(i))}) for i in range(4)
        ]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
    assert usage.operations == {"GetItem": 4}


def test_nested_counters_both_see_the_requests_but_not_each_others_own_reads(table):
    with count_dynamodb() as outer:
        table.put_item(TableName="t", Item=_item("a"))
        with count_dynamodb() as inner:
            table.get_item(TableName="t", Key=_key("a"))
    assert inner.operations == {"GetItem": 1}
    assert outer.operations == {"PutItem": 1, "GetItem": 1}
    assert outer.rcu == inner.rcu == 0.5


def test_without_capacity_only_requests_and_their_callers_are_recorded(table):
    with count_dynamodb(measure_capacity=False) as usage:
        table.put_item(TableName="t", Item=_item("a", 3000))
    (call,) = usage.calls
    assert (call.operation, call.tables, call.wcu, call.items_written) == ("PutItem", ("t",), 0, 0)
    assert call.callers[0] == "botocore.client" and __name__ in call.callers


def test_patch_is_removed_after_the_block(table):
    with count_dynamodb():
        pass
    with count_dynamodb() as usage:
        pass
    table.get_item(TableName="t", Key=_key("a"))
    assert usage.requests == 0


def test_writes_pay_for_the_global_secondary_index_the_item_is_in(aws):
    client = boto3.client("dynamodb", region_name="us-east-1")
    if "tg" not in client.list_tables()["TableNames"]:
        client.create_table(
            TableName="tg",
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in ("pk", "sk", "gpk", "gsk")],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": "gsi",
                    "KeySchema": [
                        {"AttributeName": "gpk", "KeyType": "HASH"},
                        {"AttributeName": "gsk", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                }
            ],
        )
    indexed = _item("a", gpk={"S": "g"}, gsk={"S": "1"})
    with count_dynamodb() as usage:
        client.put_item(TableName="tg", Item=_item("plain"))  # not in the index: 1
        client.put_item(TableName="tg", Item=indexed)  # table + index: 2
        client.update_item(  # an attribute changes, the index key does not: 2
            TableName="tg", Key=_key("a"), UpdateExpression="SET v = :v", ExpressionAttributeValues={":v": {"S": "x"}}
        )
        client.update_item(  # the index key changes: delete + put in the index: 3
            TableName="tg", Key=_key("a"), UpdateExpression="SET gsk = :v", ExpressionAttributeValues={":v": {"S": "2"}}
        )
        client.delete_item(TableName="tg", Key=_key("a"))  # leaves table and index: 2
    assert [c.wcu for c in usage.calls] == [1, 2, 2, 3, 2]
