"""The local stack's moto adjustments (devstack/aws.py): a Query reads its partition only, with moto's own answer."""

from __future__ import annotations

import boto3
from moto import mock_aws

from devstack.aws import one_dynamodb_request_at_a_time, partition_queries

T = "devstack_moto_t"  # not "t": test_counting makes a table of that name in the same moto world


def test_a_query_answers_as_moto_does_but_from_its_partition_only() -> None:
    partition_queries()
    partition_queries()  # idempotent
    one_dynamodb_request_at_a_time()
    with mock_aws():
        ddb = boto3.client("dynamodb", region_name="us-east-1")
        ddb.create_table(
            TableName=T,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": k, "AttributeType": "S"} for k in ("pk", "sk")],
            BillingMode="PAY_PER_REQUEST",
        )
        for p in ("a", "b"):
            for i in range(5):
                ddb.put_item(TableName=T, Item={"pk": {"S": p}, "sk": {"S": f"{i:02d}"}, "v": {"N": str(i)}})

        def sks(**kw: object) -> list[str]:
            items = ddb.query(TableName=T, ExpressionAttributeValues={":p": {"S": "a"}}, **kw)["Items"]
            return [item["sk"]["S"] for item in items]

        assert sks(KeyConditionExpression="pk = :p") == ["00", "01", "02", "03", "04"]
        assert sks(KeyConditionExpression="pk = :p", ScanIndexForward=False, Limit=2) == ["04", "03"]
        page = ddb.query(
            TableName=T, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "a"}}, Limit=2
        )
        rest = ddb.query(
            TableName=T,
            KeyConditionExpression="pk = :p",
            ExpressionAttributeValues={":p": {"S": "a"}},
            ExclusiveStartKey=page["LastEvaluatedKey"],
        )
        assert [i["sk"]["S"] for i in rest["Items"]] == ["02", "03", "04"]
        none = ddb.query(TableName=T, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "z"}})
        assert none["Items"] == [] and ddb.scan(TableName=T)["Count"] == 10  # no empty partition was added
