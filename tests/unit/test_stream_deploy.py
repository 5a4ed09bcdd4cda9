"""The messages stream in the deployables: the table's stream, the packaged mapping's failure handling, the role's
stream permissions and the `chalice deploy` stage's stream ARN."""

from __future__ import annotations

from typing import Any

from chalicelib.store.schema import cloudformation_resource, create_table_params
from chalicelib.store.tables import spec
from deploy import infra, template


def _raw() -> dict[str, Any]:
    role = {"Fn::GetAtt": ["DefaultRole", "Arn"]}
    stream = {"Type": "DynamoDB", "Properties": {"Stream": "arn:placeholder", "BatchSize": 100}}
    return {
        "Resources": {
            "APIHandler": {"Type": "AWS::Serverless::Function", "Properties": {"Role": role}},
            "MessageStream": {
                "Type": "AWS::Serverless::Function",
                "Properties": {"Role": role, "Events": {"MessageStreamDynamodbEventSource": stream}},
            },
            "DefaultRole": {"Type": "AWS::IAM::Role", "Properties": {}},
        }
    }


def test_the_messages_table_has_a_new_image_stream_and_no_other_table_has_one():
    assert create_table_params(spec("messages"), "t")["StreamSpecification"] == {
        "StreamEnabled": True,
        "StreamViewType": "NEW_IMAGE",
    }
    assert cloudformation_resource(spec("messages"), "t")["Properties"]["StreamSpecification"] == {
        "StreamViewType": "NEW_IMAGE"
    }
    assert "StreamSpecification" not in create_table_params(spec("counters"), "t")


def test_the_packaged_mapping_reads_the_tables_stream_bisects_retries_and_keeps_failures():
    merged = template.merge_template(_raw(), "prod")
    events = merged["Resources"]["MessageStream"]["Properties"]["Events"]
    props = events["MessageStreamDynamodbEventSource"]["Properties"]
    assert props["Stream"] == {"Fn::GetAtt": ["MessagesTable", "StreamArn"]}
    assert props["BisectBatchOnFunctionError"] is True and props["MaximumRetryAttempts"] == 5
    assert props["DestinationConfig"]["OnFailure"]["Destination"] == {
        "Fn::GetAtt": ["MessageStreamDeadLetterQueue", "Arn"]
    }
    assert merged["Resources"]["MessageStreamDeadLetterQueue"]["Type"] == "AWS::SQS::Queue"
    statements = {
        s["Sid"]: s
        for s in merged["Resources"]["DefaultRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    }
    assert statements["MessagesStream"]["Resource"] == {"Fn::GetAtt": ["MessagesTable", "StreamArn"]}
    assert statements["MessagesStream"]["Action"] == [
        "dynamodb:DescribeStream",
        "dynamodb:GetRecords",
        "dynamodb:GetShardIterator",
    ]
    assert statements["MessageStreamFailures"]["Action"] == ["sqs:SendMessage"]


def test_the_chalice_deploy_policy_reads_only_this_stages_messages_stream():
    statements = {s["Sid"]: s for s in template.policy("dev")["Statement"]}
    assert statements["MessagesStream"]["Resource"].endswith(":table/yuntong-dev-messages/stream/*")


def test_the_infra_stack_outputs_the_stream_arn_for_chalice_deploy():
    body = infra.infra_template("yuntong-dev")
    assert body["Outputs"]["MessagesStreamArn"]["Value"] == {"Fn::GetAtt": ["MessagesTable", "StreamArn"]}
    assert body["Resources"]["MessagesTable"]["Properties"]["StreamSpecification"] == {"StreamViewType": "NEW_IMAGE"}
