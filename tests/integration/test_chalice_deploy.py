"""The `chalice deploy` path against moto's server: `yuntong infra deploy` (tables, the stage's own queues, log groups
with retention, alarms, dashboard; the stage recorded in config.json), then `chalice deploy`, `yuntong infra deploy`
again (the role's policy pinned to the deployed websocket API), `chalice deploy` again changing nothing, and a second
stage's infra beside the first in the same account and region.

Calls moto's server lacks, and how the rest is still checked:
- apigateway ImportRestApi / PutRestApi: moto imports OpenAPI 3 only and Chalice sends Swagger 2.0. The test
  stands in a minimal import (the API, its resources, methods and proxy integrations from the same document) so
  that CreateDeployment, AddPermission and the stage go through moto; the REST API's routes are not checked here
  (tests/integration/test_packaging.py checks Chalice's swagger through the packaged template and cfn-lint).
- apigatewayv2 CreateDeployment: moto has no route for it. The test answers it with a deployment id so that
  CreateStage and the websocket routes and integrations are moto's own.
- CloudFormation AWS::CloudWatch::Alarm and AWS::CloudWatch::Dashboard: moto's CloudFormation does not create them
  (the stack still completes; the test names which are missing); the infra template with its alarms, log groups and
  dashboard is checked by cfn-lint below instead, and the log groups and their retention through moto's CloudWatch Logs.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.apigateway import models as apigw
from moto.apigatewayv2 import urls as apigw2_urls
from moto.moto_server.threaded_moto_server import ThreadedMotoServer

from deploy import infra, template
from tests.e2e.harness import free_port

ROOT = template.ROOT
BIN = Path(sys.executable).parent
REGION = "ap-northeast-1"  # not the tests' shared us-east-1 moto world
STAGE = "ci"


def _import_swagger2(self: Any, api_doc: dict[str, Any], fail_on_warnings: bool) -> Any:
    api = self.create_rest_api(name=api_doc["info"]["title"], description="")
    for path, methods in api_doc["paths"].items():
        parent = api.default
        for part in [p for p in path.split("/") if p]:
            found = api.get_resource_for_path(parent.get_path().rstrip("/") + "/" + part)
            parent = found or self.create_resource(api.id, parent.id, part)
        for method, spec in methods.items():
            if method.startswith("x-"):
                continue
            self.put_method(api.id, parent.id, method.upper(), "NONE")
            integration = spec.get("x-amazon-apigateway-integration", {})
            self.put_integration(
                api.id, parent.id, method.upper(), "AWS_PROXY", integration.get("uri", ""), integration_method="POST"
            )
    return api


def _put_swagger2(
    self: Any, function_id: str, api_doc: dict[str, Any], fail_on_warnings: bool, mode: str = "merge"
) -> Any:
    return self.get_rest_api(function_id)


_deployment_ids = itertools.count(1)


def _create_v2_deployment(request: Any, full_url: str, headers: Any) -> tuple[int, dict[str, str], str]:
    body = {"deploymentId": f"dep{next(_deployment_ids)}", "deploymentStatus": "DEPLOYED"}
    return 201, {"Content-Type": "application/json"}, json.dumps(body)


@pytest.fixture
def moto_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setattr(apigw.APIGatewayBackend, "import_rest_api", _import_swagger2)
    monkeypatch.setattr(apigw.APIGatewayBackend, "put_rest_api", _put_swagger2)
    monkeypatch.setitem(apigw2_urls.url_paths, "{0}/v2/apis/(?P<api_id>[^/]+)/deployments$", _create_v2_deployment)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the Chalice project (config.json gets the stage written into it)."""
    dest = tmp_path / "project"
    (dest / ".chalice").mkdir(parents=True)
    shutil.copy(ROOT / "app.py", dest / "app.py")
    shutil.copy(ROOT / "requirements.txt", dest / "requirements.txt")
    shutil.copytree(ROOT / "chalicelib", dest / "chalicelib", ignore=shutil.ignore_patterns("__pycache__"))
    for f in (ROOT / ".chalice").glob("*.json"):
        shutil.copy(f, dest / ".chalice" / f.name)
    return dest


def _env(endpoint: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "YUNTONG_"))}
    env.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION=REGION,
        AWS_REGION=REGION,
        AWS_ENDPOINT_URL=endpoint,
        PIP_NO_DEPS="1",
    )
    return env


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> str:
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout + proc.stderr


def _inventory(endpoint: str) -> dict[str, Any]:
    def client(name: str) -> Any:
        return boto3.client(
            name,
            region_name=REGION,
            endpoint_url=endpoint,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    functions = client("lambda").list_functions()["Functions"]
    return {
        "functions": sorted((f["FunctionName"], f["Role"]) for f in functions),
        "env": {f["FunctionName"]: f.get("Environment", {}).get("Variables", {}) for f in functions},
        "rest_apis": sorted(a["id"] for a in client("apigateway").get_rest_apis()["items"]),
        "ws_apis": sorted(a["ApiId"] for a in client("apigatewayv2").get_apis()["Items"]),
        "mappings": sorted(m["UUID"] for m in client("lambda").list_event_source_mappings()["EventSourceMappings"]),
        "rules": sorted(r["Name"] for r in client("events").list_rules()["Rules"]),
        "tables": sorted(client("dynamodb").list_tables()["TableNames"]),
        "queues": sorted(client("sqs").list_queues().get("QueueUrls", [])),
        "buckets": sorted(b["Name"] for b in client("s3").list_buckets()["Buckets"]),
        "log_groups": {
            g["logGroupName"]: g.get("retentionInDays") for g in client("logs").describe_log_groups()["logGroups"]
        },
        "role_policies": {
            r: client("iam").get_role_policy(RoleName=r, PolicyName=r)["PolicyDocument"]
            for r in (x["RoleName"] for x in client("iam").list_roles()["Roles"])
            if r.startswith("yuntong-")
        },
    }


@pytest.mark.timeout(400)  # two packagings and deploys: over a minute on a loaded two-core machine
def test_infra_then_chalice_deploy_twice_the_second_changing_nothing(moto_server: str, project: Path) -> None:
    env = _env(moto_server)
    yuntong = [sys.executable, "-m", "yuntong_cli.main", "infra", "deploy", "--stage", STAGE]
    yuntong += ["--endpoint", moto_server, "--region", REGION, "--project-dir", str(project)]
    out = _run(yuntong, ROOT, env)
    assert f"stack yuntong-{STAGE}-infra: created" in out
    config = json.loads((project / ".chalice" / "config.json").read_text())
    stage_env = config["stages"][STAGE]["environment_variables"]
    assert stage_env["YUNTONG_TABLE_PREFIX"] == f"yuntong-{STAGE}"
    assert stage_env["YUNTONG_FANOUT_QUEUE"] == f"yuntong-{STAGE}-fanout"  # the stage's own (app.py reads it)
    assert stage_env["YUNTONG_FANOUT_QUEUE_URL"].endswith(f"/yuntong-{STAGE}-fanout")
    assert "YUNTONG_WS_ENDPOINT" not in stage_env  # learned at run time (chalicelib/store/ws_endpoint.py)
    policy_file = project / ".chalice" / f"policy-{STAGE}.json"
    assert "*/api/*/@connections/*" in policy_file.read_text()  # not deployed yet: narrowed to the stage only
    groups = _inventory(moto_server)["log_groups"]
    functions = infra.chalice_functions(project, STAGE).names
    assert {f"/aws/lambda/{name}": 30 for name in functions.values()}.items() <= groups.items()  # before any Lambda
    again = _run(yuntong, ROOT, env)
    assert f"stack yuntong-{STAGE}-infra: unchanged" in again and f"stage {STAGE} unchanged" in again

    chalice = [str(BIN / "chalice"), "deploy", "--stage", STAGE]
    first = _run(chalice, project, env)
    assert "Resources deployed" in first, first

    # after the first chalice deploy: the policy pinned to its websocket API, region and account, in the file and
    # on Chalice's role at once; the websocket API's alarm added
    pinned = _run(yuntong, ROOT, env)
    assert f"stack yuntong-{STAGE}-infra: updated" in pinned  # the websocket API's alarm and dashboard line
    assert f"IAM role yuntong-{STAGE}-fanout: policy pinned" in pinned  # chalice makes a role per function here
    ws_api = next(iter(_inventory(moto_server)["ws_apis"]))
    push = next(s for s in json.loads(policy_file.read_text())["Statement"] if s["Sid"] == "WebsocketPush")
    assert push["Resource"] == f"arn:aws:execute-api:{REGION}:123456789012:{ws_api}/api/*/@connections/*"
    role_policies = _inventory(moto_server)["role_policies"]
    assert len(role_policies) == len(functions)
    assert all(doc == json.loads(policy_file.read_text()) for doc in role_policies.values())
    assert _run(yuntong, ROOT, env).count("unchanged") == 2  # stack and config: nothing more to do

    deployed = (project / ".chalice" / "deployed" / f"{STAGE}.json").read_text()
    before = _inventory(moto_server)
    assert len(before["functions"]) == len(functions) and len(before["rest_apis"]) == 1 and len(before["ws_apis"]) == 1
    assert {name for name, _ in before["functions"]} == set(functions.values())
    assert {f"yuntong-{STAGE}-{t}" for t in ("apps", "entities", "messages", "connections", "counters")} <= set(
        before["tables"]
    )
    assert any(q.endswith(f"/yuntong-{STAGE}-fanout-dlq") for q in before["queues"])
    assert f"yuntong-{STAGE}-media" in before["buckets"]
    for name, variables in before["env"].items():
        assert variables["YUNTONG_FANOUT_QUEUE_URL"] == stage_env["YUNTONG_FANOUT_QUEUE_URL"], name

    second = _run(chalice, project, env)
    assert "Creating" not in second.replace("Creating deployment package", ""), second
    assert (project / ".chalice" / "deployed" / f"{STAGE}.json").read_text() == deployed
    assert _inventory(moto_server) == before  # the pinned role policy too: chalice put the same file

    # the dead letters of this stage's queue (yuntong dlq follows the stage)
    dlq = [sys.executable, "-m", "yuntong_cli.main", "dlq", "list", "--stage", STAGE]
    assert f"0 dead letter(s) in yuntong-{STAGE}-fanout-dlq" in _run(
        [*dlq, "--endpoint", moto_server, "--region", REGION], ROOT, env
    )

    # a second stage in the same account and region: its own stack, tables and queues beside the first's
    other = [*yuntong[:6], "ci2", *yuntong[7:]]
    assert "stack yuntong-ci2-infra: created" in _run(other, ROOT, env)
    queues = _inventory(moto_server)["queues"]
    for stage in (STAGE, "ci2"):
        assert sum(q.endswith((f"/yuntong-{stage}-fanout", f"/yuntong-{stage}-fanout-dlq")) for q in queues) == 2

    # what moto's CloudFormation does not create (named here): the alarms and the dashboard
    cfn = boto3.client("cloudformation", region_name=REGION, endpoint_url=moto_server, aws_access_key_id="testing",
                       aws_secret_access_key="testing")  # fmt: skip
    summaries = cfn.list_stack_resources(StackName=f"yuntong-{STAGE}-infra")["StackResourceSummaries"]
    made = {r["LogicalResourceId"] for r in summaries}
    assert {"AppsTable", "FanoutQueue", "FanoutDeadLetterQueue", "ApiHandlerLogGroup", "MediaBucket"} <= made
    kinds = {"Alarm": "AWS::CloudWatch::Alarm", "Dashboard": "AWS::CloudWatch::Dashboard"}
    missing = {kind for suffix, kind in kinds.items() if not any(r.endswith(suffix) for r in made)}
    print("moto's CloudFormation did not make:", sorted(missing) or "nothing")


def test_the_infra_template_is_cfn_lint_clean_with_dead_letter_queue_alarm_and_media_bucket(tmp_path: Path) -> None:
    functions = infra.chalice_functions(ROOT, "x")  # this app's functions, as chalice deploy names them
    body = infra.infra_template("yuntong-x", 60, functions, websocket_api_id="abc123")
    path = tmp_path / "infra.json"
    path.write_text(json.dumps(body))
    proc = subprocess.run([str(BIN / "cfn-lint"), str(path)], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    resources = body["Resources"]
    assert resources["FanoutQueue"]["Properties"]["RedrivePolicy"]["maxReceiveCount"] == 3
    assert resources["DeadLettersAlarm"]["Type"] == "AWS::CloudWatch::Alarm"
    assert resources["AppsTable"]["DeletionPolicy"] == "Retain"
    assert resources["MediaBucket"]["Properties"]["BucketName"] == {"Fn::Sub": "${TablePrefix}-media"}
    assert resources["FanoutQueue"]["Properties"]["QueueName"] == "yuntong-x-fanout"
    alarms = {r["Properties"].get("MetricName") for r in resources.values() if r["Type"] == "AWS::CloudWatch::Alarm"}
    assert {
        "Errors",
        "Throttles",
        "5XXError",
        "IntegrationError",
        "ReadThrottleEvents",
        "WriteThrottleEvents",
    } <= alarms
    assert {"ApproximateNumberOfMessagesVisible", "ApproximateAgeOfOldestMessage"} <= alarms
    assert resources["ApiHandlerLogGroup"]["Properties"]["LogGroupName"] == "/aws/lambda/yuntong-x"
    assert body["Parameters"]["LogRetentionDays"]["Default"] == 30
    assert resources["Dashboard"]["Type"] == "AWS::CloudWatch::Dashboard"
