"""The generated merge template and IAM policies agree with the code and the committed files."""

from __future__ import annotations

import json

import pytest

from chalicelib.config import Settings
from chalicelib.store.schema import cloudformation_resource
from chalicelib.store.tables import TABLES
from deploy import template


@pytest.mark.parametrize("stage", template.DEPLOYED_STAGES)
def test_committed_policy_file_equals_the_generated_one(stage):
    committed = template.policy_path(stage).read_text()
    assert committed == template.render(template.policy(stage)), "run `python -m deploy.template policies`"


@pytest.mark.parametrize("stage", template.DEPLOYED_STAGES)
def test_stage_disables_chalice_autogen_policy_and_uses_its_own_file(stage):
    cfg = template.stage_config(stage)
    assert cfg["autogen_policy"] is False
    assert cfg["iam_policy_file"] == f"policy-{stage}.json"


@pytest.mark.parametrize("stage", template.DEPLOYED_STAGES)
def test_template_tables_have_the_names_the_lambdas_compute_from_their_environment(stage):
    lambda_settings = Settings.from_env(template.stage_config(stage)["environment_variables"])
    names = {res["Properties"]["TableName"] for res in template.tables(stage).values()}
    assert names == {lambda_settings.table_name(spec.key) for spec in TABLES}
    assert lambda_settings.table_prefix == f"yuntong-{stage}"


def test_template_tables_are_the_schema_resources():
    for spec in TABLES:
        resource = template.tables("prod")[template.table_logical_id(spec.key)]
        assert resource == cloudformation_resource(spec, f"yuntong-prod-{spec.key}")


def test_ttl_tables_expire_on_the_expires_attribute_and_gsis_are_declared():
    resources = template.tables("prod")
    for spec in TABLES:
        props = resources[template.table_logical_id(spec.key)]["Properties"]
        assert ("TimeToLiveSpecification" in props) == spec.ttl
        assert [g["IndexName"] for g in props.get("GlobalSecondaryIndexes", [])] == list(spec.gsis)


def _statement(doc, sid):
    return next(s for s in doc["Statement"] if s["Sid"] == sid)


def test_policy_grants_dynamodb_on_exactly_the_stage_tables_and_their_indexes():
    tables = _statement(template.policy("prod"), "Tables")
    expected = []
    for spec in TABLES:
        expected.append(f"arn:aws:dynamodb:*:*:table/yuntong-prod-{spec.key}")
        if spec.gsis:
            expected.append(f"arn:aws:dynamodb:*:*:table/yuntong-prod-{spec.key}/index/*")
    assert tables["Resource"] == expected
    assert tables["Action"] == [f"dynamodb:{a}" for a in template.DYNAMODB_ACTIONS]
    # Scan only for the purge of a deleted app (test_only_the_purge_of_a_deleted_app_scans)
    assert "dynamodb:Scan" in tables["Action"]
    assert all("yuntong-dev" not in arn for arn in tables["Resource"])


def test_policy_grants_push_logs_and_the_fanout_queue():
    doc = template.policy("dev")
    push = _statement(doc, "WebsocketPush")
    assert push["Action"] == ["execute-api:ManageConnections"]
    assert push["Resource"].endswith("/api/*/@connections/*")
    assert _statement(doc, "FanoutQueue")["Resource"] == "arn:aws:sqs:*:*:yuntong-dev-fanout"  # the stage's own
    assert {"sqs:SendMessage", "sqs:ReceiveMessage"} <= set(_statement(doc, "FanoutQueue")["Action"])
    assert "logs:PutLogEvents" in _statement(doc, "Logs")["Action"]


def _function(env=None, events=None):
    props = {"Runtime": "python3.11", "Environment": {"Variables": env or {"YUNTONG_STAGE": "prod"}}}
    if events:
        props["Events"] = events
    return {"Type": "AWS::Serverless::Function", "Properties": props}


def test_merge_adds_tables_and_parameters_and_no_queue_when_nothing_consumes_it():
    raw = {"Resources": {"APIHandler": _function(), "RestAPI": {"Type": "AWS::Serverless::Api"}}}
    merged = template.merge_template(raw, "prod")
    assert {template.table_logical_id(s.key) for s in TABLES} <= set(merged["Resources"])
    assert "FanoutQueue" not in merged["Resources"] and "DeadLettersAlarm" not in merged["Resources"]
    assert merged["Parameters"]["TablePrefix"]["Default"] == "yuntong-prod"
    assert merged["Parameters"]["Stage"]["Default"] == "prod"
    assert merged["Parameters"]["LogRetentionDays"]["Default"] == 30
    table = merged["Resources"]["AppsTable"]["Properties"]["TableName"]
    assert table == {"Fn::Sub": "${TablePrefix}-apps"}
    env = merged["Resources"]["APIHandler"]["Properties"]["Environment"]["Variables"]
    assert env == {
        "YUNTONG_STAGE": {"Ref": "Stage"},
        "YUNTONG_TABLE_PREFIX": {"Ref": "TablePrefix"},
        "YUNTONG_MEDIA_BUCKET": {"Ref": "MediaBucket"},
    }
    assert merged["Resources"]["APIHandler"]["Properties"]["Tracing"] == {"Ref": "Tracing"}


def test_merge_points_every_function_at_the_websocket_management_endpoint():
    raw = {
        "Resources": {
            "APIHandler": _function(),
            "WebsocketMessage": _function(),
            "WebsocketAPI": {"Type": "AWS::ApiGatewayV2::Api"},
            "WebsocketAPIStage": {"Type": "AWS::ApiGatewayV2::Stage", "Properties": {"StageName": "live"}},
        }
    }
    merged = template.merge_template(raw, "prod")["Resources"]
    for name in ("APIHandler", "WebsocketMessage"):
        endpoint = merged[name]["Properties"]["Environment"]["Variables"]["YUNTONG_WS_ENDPOINT"]
        assert endpoint == {"Fn::Sub": "https://${WebsocketAPI}.execute-api.${AWS::Region}.${AWS::URLSuffix}/live"}
        # a dict, so chalice's deep merge keeps the stage's own variables
        assert set(merged[name]) == {"Properties"}
    assert "WebsocketAPI" not in merged


def test_merge_creates_the_fanout_queue_only_for_a_consumer_of_it():
    queue = {"Fn::Sub": "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:yuntong-prod-fanout"}
    consumer = _function(events={"FanoutSqsEventSource": {"Type": "SQS", "Properties": {"Queue": queue}}})
    consumer["Properties"]["Timeout"] = 30
    merged = template.merge_template({"Resources": {"Fanout": consumer, "APIHandler": _function()}}, "prod")
    queue_res = merged["Resources"]["FanoutQueue"]
    assert queue_res["Properties"] == {
        "QueueName": "yuntong-prod-fanout",
        "VisibilityTimeout": 180,
        "RedrivePolicy": {
            "deadLetterTargetArn": {"Fn::GetAtt": ["FanoutDeadLetterQueue", "Arn"]},
            "maxReceiveCount": 3,
        },
    }
    assert merged["Resources"]["FanoutDeadLetterQueue"]["Properties"]["QueueName"] == "yuntong-prod-fanout-dlq"
    for name in ("Fanout", "APIHandler"):
        env = merged["Resources"][name]["Properties"]["Environment"]["Variables"]
        assert env["YUNTONG_FANOUT_QUEUE_URL"] == {"Ref": "FanoutQueue"}
    events = merged["Resources"]["Fanout"]["Properties"]["Events"]
    assert events == {"FanoutSqsEventSource": {"Properties": {"FunctionResponseTypes": ["ReportBatchItemFailures"]}}}
    assert "Events" not in merged["Resources"]["APIHandler"]["Properties"]
    alarm = merged["Resources"]["DeadLettersAlarm"]["Properties"]
    assert alarm["MetricName"] == "ApproximateNumberOfMessagesVisible" and alarm["Threshold"] == 0

    other = _function(events={"E": {"Type": "SQS", "Properties": {"Queue": "arn:aws:sqs:us-east-1:1:elsewhere"}}})
    assert "FanoutQueue" not in template.merge_template({"Resources": {"Other": other}}, "prod")["Resources"]


def test_policies_command_rewrites_the_policy_files(tmp_path):
    config = json.loads(template.CONFIG.read_text())
    (tmp_path / "config.json").write_text(json.dumps(config))
    written = template.write_policies(tmp_path / "config.json")
    assert sorted(p.name for p in written) == ["policy-dev.json", "policy-prod.json"]
    assert json.loads((tmp_path / "policy-prod.json").read_text()) == template.policy("prod")


def test_policy_grants_sns_only_on_the_stage_apps_platform_applications_endpoints_and_topics():
    sns = _statement(template.policy("prod"), "OfflinePush")
    assert sns["Action"] == [f"sns:{a}" for a in template.SNS_ACTIONS]
    assert sns["Resource"] == [
        "arn:aws:sns:*:*:app/*/yuntong-prod-*",
        "arn:aws:sns:*:*:endpoint/*/yuntong-prod-*/*",
        "arn:aws:sns:*:*:yuntong-prod-*",
    ]
    assert not any(r == "*" or r.endswith(":*") for r in sns["Resource"])
    assert "sns:DeletePlatformApplication" not in sns["Action"] and "sns:ListTopics" not in sns["Action"]


def test_merge_adds_the_media_bucket_with_lifecycle_cors_and_an_s3_statement_on_its_prefixes_only():
    raw = {"Resources": {"APIHandler": _function(), "RestAPI": {"Type": "AWS::Serverless::Api"}}}
    merged = template.merge_template(raw, "prod")
    bucket = merged["Resources"]["MediaBucket"]["Properties"]
    rules = {r["Prefix"]: r["ExpirationInDays"] for r in bucket["LifecycleConfiguration"]["Rules"]}
    assert rules == {"uploads/": 1, "objects/": 37, "exports/": 8}  # exports/: the hourly history files
    assert bucket["CorsConfiguration"]["CorsRules"][0]["AllowedMethods"] == ["GET", "HEAD", "POST"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    statements = {s["Sid"]: s for s in template.cfn_policy("prod")["Statement"]}
    assert statements["Media"]["Action"] == ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"]
    listing = statements["MediaList"]  # the purge of a deleted app lists its objects, under the two prefixes only
    assert listing["Action"] == ["s3:ListBucket"] and listing["Resource"]["Fn::Sub"].endswith(":::${MediaBucket}")
    assert listing["Condition"] == {"StringLike": {"s3:prefix": ["uploads/*", "objects/*", "exports/*"]}}
    assert [r["Fn::Sub"].rsplit(":::", 1)[1] for r in statements["Media"]["Resource"]] == [
        "${MediaBucket}/uploads/*",
        "${MediaBucket}/objects/*",
        "${MediaBucket}/exports/*",
    ]


def test_only_the_purge_of_a_deleted_app_scans():
    """Nothing on a request path Scans (DESIGN 4): the one Scan the policy grants is the purge job's."""
    from pathlib import Path

    root = Path(template.__file__).resolve().parent.parent / "chalicelib"
    scanning = sorted(str(p.relative_to(root)) for p in root.rglob("*.py") if ".scan(" in p.read_text("utf-8"))
    assert scanning == ["store/apps.py"]
