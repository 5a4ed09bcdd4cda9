"""`make package` end to end: chalice package + merge template + cfn-lint, on this app and on one with every
handler kind later issues add (websocket, SQS consumer, schedule), so the merge meets chalice's real names."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import boto3
import pytest

from chalicelib.store.tables import TABLES
from deploy import package, template

ROOT = template.ROOT


def _functions(sam):
    return {n: r for n, r in sam["Resources"].items() if r["Type"] == "AWS::Serverless::Function"}


@pytest.fixture(scope="module")
def prod_package(tmp_path_factory):
    """What `make package` builds (same entry point), once for the tests below."""
    out = tmp_path_factory.mktemp("prod") / "package"
    assert package.main(["--stage", "prod", "--out", str(out)]) == 0  # nonzero on any cfn-lint finding
    return out


def test_make_package_builds_a_linted_prod_template_with_tables_policy_and_a_zip_without_boto(prod_package):
    out = prod_package

    sam = json.loads((out / "sam.json").read_text())
    resources = sam["Resources"]
    for spec in TABLES:
        table = resources[template.table_logical_id(spec.key)]
        assert table["Type"] == "AWS::DynamoDB::Table"
        assert table["Properties"]["TableName"] == {"Fn::Sub": f"${{TablePrefix}}-{spec.key}"}
        assert table["DeletionPolicy"] == "Retain"
    assert _functions(sam), "chalice emitted no function"
    consumes_queue = any(
        e["Type"] == "SQS" for f in _functions(sam).values() for e in f["Properties"].get("Events", {}).values()
    )
    assert ("FanoutQueue" in resources) == consumes_queue
    for name, function in _functions(sam).items():
        role = resources[function["Properties"]["Role"]["Fn::GetAtt"][0]]
        (doc,) = [p["PolicyDocument"] for p in role["Properties"]["Policies"]]
        # the merge adds the stream's failure destination to cfn_policy (the app consumes the messages stream)
        expected = [s for s in doc["Statement"] if s["Sid"] != "MessageStreamFailures"]
        assert {**doc, "Statement": expected} == template.cfn_policy("prod"), name
        env = function["Properties"]["Environment"]["Variables"]
        assert env["YUNTONG_TABLE_PREFIX"] == {"Ref": "TablePrefix"}
    assert sam["Parameters"]["TablePrefix"]["Default"] == "yuntong-prod"

    with zipfile.ZipFile(out / "deployment.zip") as zf:
        tops = {n.split("/", 1)[0] for n in zf.namelist()}
    assert {"app.py", "chalicelib", "pynamodb"} <= tops
    assert not {t for t in tops if t.startswith(("boto3", "botocore", "s3transfer"))}
    # Pillow (media thumbnails, with its bundled image libraries) is ~8 MB of it; the rest stays ~0.2 MB
    assert (out / "deployment.zip").stat().st_size < 10_000_000


# What the Lambda Python runtime provides besides the standard library.
LAMBDA_RUNTIME = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six.py")


def test_the_zip_imports_with_only_what_the_lambda_runtime_provides(prod_package, tmp_path):
    code = tmp_path / "task"
    with zipfile.ZipFile(prod_package / "deployment.zip") as zf:
        zf.extractall(code)
    runtime = tmp_path / "runtime"
    runtime.mkdir()
    site_packages = Path(boto3.__file__).parent.parent
    for name in LAMBDA_RUNTIME:
        (runtime / name).symlink_to(site_packages / name)
    # Every chalicelib module, since most imports are lazy (cold start); -S: no site-packages, so a dependency
    # missing from requirements.txt fails here as it would in Lambda.
    probe = (
        f"import sys; sys.path[:0] = [{str(code)!r}, {str(runtime)!r}]\n"
        "import importlib, pkgutil, app, chalicelib\n"
        "for m in pkgutil.walk_packages(chalicelib.__path__, 'chalicelib.'): importlib.import_module(m.name)\n"
        "print(type(app.app).__name__)"
    )
    result = subprocess.run([sys.executable, "-S", "-c", probe], cwd=code, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Chalice"


FULL_APP = """
import os

from chalice import Chalice

app = Chalice(app_name="yuntong")
app.experimental_feature_flags.update(["WEBSOCKETS"])


@app.route("/v4/{service}/{command}", methods=["POST"])
def v4(service, command):
    return {}


@app.on_ws_connect()
def ws_connect(event):
    return {"statusCode": 200}


@app.on_ws_message()
def ws_message(event):
    return {"statusCode": 200}


@app.on_ws_disconnect()
def ws_disconnect(event):
    return {"statusCode": 200}


@app.schedule("rate(1 minute)")
def sweep(event):
    return None


# as app.py: the stage's queue, from the variables chalice sets while it imports the app
@app.on_sqs_message(queue=os.environ.get("YUNTONG_FANOUT_QUEUE", "yuntong-fanout"), batch_size=10)
def fanout(event):
    return None
"""


def test_package_of_an_app_with_websocket_queue_and_schedule_wires_endpoint_and_queue(tmp_path):
    project = tmp_path / "project"
    (project / ".chalice").mkdir(parents=True)
    for name in ("config.json", "policy-prod.json"):
        shutil.copy(ROOT / ".chalice" / name, project / ".chalice" / name)
    (project / "app.py").write_text(textwrap.dedent(FULL_APP))
    (project / "requirements.txt").write_text("")

    built = package.build(project, tmp_path / "out", "prod")  # raises PackagingError unless cfn-lint is clean

    sam = json.loads(built.template.read_text())
    functions = _functions(sam)
    assert {"APIHandler", "WebsocketConnect", "WebsocketMessage", "WebsocketDisconnect", "Sweep", "Fanout"} <= set(
        functions
    )
    ws_stage = sam["Resources"]["WebsocketAPIStage"]["Properties"]["StageName"]
    for name, function in functions.items():
        env = function["Properties"]["Environment"]["Variables"]
        assert env["YUNTONG_WS_ENDPOINT"] == {
            "Fn::Sub": f"https://${{WebsocketAPI}}.execute-api.${{AWS::Region}}.${{AWS::URLSuffix}}/{ws_stage}"
        }, name
        assert env["YUNTONG_FANOUT_QUEUE_URL"] == {"Ref": "FanoutQueue"}, name
        assert env["YUNTONG_STAGE"] == {"Ref": "Stage"}, name
    queue = sam["Resources"]["FanoutQueue"]["Properties"]
    assert queue["QueueName"] == "yuntong-prod-fanout"  # the stage's queue (config.json), not the local default
    assert queue["VisibilityTimeout"] >= functions["Fanout"]["Properties"]["Timeout"]
    event = next(iter(functions["Fanout"]["Properties"]["Events"].values()))
    assert event["Properties"]["Queue"]["Fn::Sub"].endswith(":yuntong-prod-fanout")
    push = next(s for s in template.policy("prod")["Statement"] if s["Sid"] == "WebsocketPush")
    assert f"/{ws_stage}/" in push["Resource"]


def test_packaging_drops_a_cached_zip_that_bundles_botocore(tmp_path):
    project: Path = tmp_path
    cache = project / ".chalice" / "deployments"
    cache.mkdir(parents=True)
    with zipfile.ZipFile(cache / "stale-python3.11.zip", "w") as zf:
        zf.writestr("botocore/__init__.py", "")
    with zipfile.ZipFile(cache / "good-python3.11.zip", "w") as zf:
        zf.writestr("pynamodb/__init__.py", "")
    (cache / "half-python3.11.zip").write_bytes(b"PK\x03\x04 cut short")  # an interrupted build's
    package._drop_stale_deployments(project)
    assert sorted(p.name for p in cache.iterdir()) == ["good-python3.11.zip"]


def test_make_package_adds_the_web_site_and_no_dev_usersig_endpoint(prod_package):
    sam_text = (prod_package / "sam.json").read_text()
    sam = json.loads(sam_text)
    assert sam["Resources"]["SiteBucket"]["Type"] == "AWS::S3::Bucket"
    assert sam["Resources"]["SiteDistribution"]["Type"] == "AWS::CloudFront::Distribution"
    assert "SiteURL" in sam["Outputs"] and "SiteBucketName" in sam["Outputs"]
    assert "usersig" not in sam_text.lower() and "/dev" not in sam_text  # the dev endpoint is the devstack's alone
    site = prod_package / "site"
    assert (site / "index.html").is_file() and (site / "sdk" / "yuntong-chat.mjs").is_file()


def test_prod_template_has_dead_letters_retention_alarms_dashboard_and_scoped_iam(prod_package):
    sam = json.loads((prod_package / "sam.json").read_text())  # cfn-lint clean (the fixture fails otherwise)
    resources = sam["Resources"]
    functions = _functions(sam)
    assert sam["Parameters"]["LogRetentionDays"]["Default"] == 30
    assert set(sam["Parameters"]["Tracing"]["AllowedValues"]) == {"Active", "PassThrough"}
    queue = resources["FanoutQueue"]["Properties"]
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": ["FanoutDeadLetterQueue", "Arn"]}
    sqs_events = [e for e in functions["Fanout"]["Properties"]["Events"].values() if e["Type"] == "SQS"]
    assert [e["Properties"]["FunctionResponseTypes"] for e in sqs_events] == [["ReportBatchItemFailures"]]
    for name, function in functions.items():
        group = resources[f"{name}LogGroup"]["Properties"]
        assert group == {
            "LogGroupName": {"Fn::Sub": f"/aws/lambda/${{{name}}}"},
            "RetentionInDays": {"Ref": "LogRetentionDays"},
        }
        assert function["Properties"]["Tracing"] == {"Ref": "Tracing"}
        for kind in ("Errors", "Throttles"):
            assert resources[f"{name}{kind}Alarm"]["Properties"]["MetricName"] == kind
    alarms = {r["Properties"].get("MetricName") for r in resources.values() if r["Type"] == "AWS::CloudWatch::Alarm"}
    assert {
        "5XXError",
        "ReadThrottleEvents",
        "WriteThrottleEvents",
        "ApproximateNumberOfMessagesVisible",
        "ApproximateAgeOfOldestMessage",
    } <= alarms
    assert resources["MessagesTableSystemErrorsAlarm"]["Properties"]["Metrics"][-1]["Expression"].startswith("SUM(")
    assert resources["Dashboard"]["Type"] == "AWS::CloudWatch::Dashboard"
    doc = resources["FanoutRole"]["Properties"]["Policies"][0]["PolicyDocument"]
    by_sid = {s["Sid"]: s for s in doc["Statement"]}
    push = by_sid["WebsocketPush"]["Resource"]["Fn::Sub"]
    assert push.startswith("arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${WebsocketAPI}/")
    assert all("${AWS::StackName}-" in r["Fn::Sub"] for r in by_sid["Logs"]["Resource"])
    assert "logs:CreateLogGroup" not in by_sid["Logs"]["Action"]  # the stack makes the groups, with retention
    assert all(":table/${TablePrefix}-" in r["Fn::Sub"] for r in by_sid["Tables"]["Resource"])
