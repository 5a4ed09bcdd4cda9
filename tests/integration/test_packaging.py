"""`make package` end to end: chalice package + merge template + cfn-lint, on this app and on one with every
handler kind later issues add (websocket, SQS consumer, schedule), so the merge meets chalice's real names."""

from __future__ import annotations

import json
import shutil
import textwrap
import zipfile
from pathlib import Path

from chalicelib.store.tables import TABLES
from deploy import package, template

ROOT = template.ROOT


def _functions(sam):
    return {n: r for n, r in sam["Resources"].items() if r["Type"] == "AWS::Serverless::Function"}


def test_make_package_builds_a_linted_prod_template_with_tables_policy_and_a_zip_without_boto(tmp_path, capsys):
    out = tmp_path / "package"
    assert package.main(["--stage", "prod", "--out", str(out)]) == 0
    assert "cfn-lint: clean" in capsys.readouterr().out

    sam = json.loads((out / "sam.json").read_text())
    resources = sam["Resources"]
    for spec in TABLES:
        table = resources[template.table_logical_id(spec.key)]
        assert table["Type"] == "AWS::DynamoDB::Table"
        assert table["Properties"]["TableName"] == f"yuntong-prod-{spec.key}"
        assert table["DeletionPolicy"] == "Retain"
    assert _functions(sam), "chalice emitted no function"
    for name, function in _functions(sam).items():
        role = resources[function["Properties"]["Role"]["Fn::GetAtt"][0]]
        assert [p["PolicyDocument"] for p in role["Properties"]["Policies"]] == [template.policy("prod")], name
        env = function["Properties"]["Environment"]["Variables"]
        assert env["YUNTONG_TABLE_PREFIX"] == "yuntong-prod"

    with zipfile.ZipFile(out / "deployment.zip") as zf:
        tops = {n.split("/", 1)[0] for n in zf.namelist()}
    assert {"app.py", "chalicelib", "pynamodb"} <= tops
    assert not {t for t in tops if t.startswith(("boto3", "botocore", "s3transfer"))}
    assert (out / "deployment.zip").stat().st_size < 1_000_000


FULL_APP = """
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


@app.on_sqs_message(queue="yuntong-prod-fanout", batch_size=10)
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
        assert env["YUNTONG_STAGE"] == "prod", name
    queue = sam["Resources"]["FanoutQueue"]["Properties"]
    assert queue["QueueName"] == "yuntong-prod-fanout"
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
    package._drop_stale_deployments(project)
    assert sorted(p.name for p in cache.iterdir()) == ["good-python3.11.zip"]
