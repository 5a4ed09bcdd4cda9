"""The `chalice deploy` path against moto's server: `yuntong infra deploy` (tables, queues, dead-letter queue; the
stage recorded in config.json), then `chalice deploy` twice, the second changing nothing.

Calls moto's server lacks, and how the rest is still checked:
- apigateway ImportRestApi / PutRestApi: moto imports OpenAPI 3 only and Chalice sends Swagger 2.0. The test
  stands in a minimal import (the API, its resources, methods and proxy integrations from the same document) so
  that CreateDeployment, AddPermission and the stage go through moto; the REST API's routes are not checked here
  (tests/integration/test_packaging.py checks Chalice's swagger through the packaged template and cfn-lint).
- apigatewayv2 CreateDeployment: moto has no route for it. The test answers it with a deployment id so that
  CreateStage and the websocket routes and integrations are moto's own.
- CloudFormation AWS::CloudWatch::Alarm: moto's CloudFormation skips it (the stack still completes); the infra
  template is checked by cfn-lint below instead.
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
    assert stage_env["YUNTONG_FANOUT_QUEUE_URL"].endswith("/yuntong-fanout")
    assert "YUNTONG_WS_ENDPOINT" not in stage_env  # learned at run time (chalicelib/push/endpoint.py)
    assert (project / ".chalice" / f"policy-{STAGE}.json").exists()
    again = _run(yuntong, ROOT, env)
    assert f"stack yuntong-{STAGE}-infra: unchanged" in again and f"stage {STAGE} unchanged" in again

    chalice = [str(BIN / "chalice"), "deploy", "--stage", STAGE]
    first = _run(chalice, project, env)
    assert "Resources deployed" in first, first
    deployed = (project / ".chalice" / "deployed" / f"{STAGE}.json").read_text()
    before = _inventory(moto_server)
    assert len(before["functions"]) == 8 and len(before["rest_apis"]) == 1 and len(before["ws_apis"]) == 1
    assert len(before["mappings"]) == 1 and len(before["rules"]) == 3
    assert {f"yuntong-{STAGE}-{t}" for t in ("apps", "entities", "messages", "connections", "counters")} <= set(
        before["tables"]
    )
    assert any(q.endswith("/yuntong-fanout-dlq") for q in before["queues"])
    assert f"yuntong-{STAGE}-media" in before["buckets"]
    for name, variables in before["env"].items():
        assert variables["YUNTONG_FANOUT_QUEUE_URL"] == stage_env["YUNTONG_FANOUT_QUEUE_URL"], name

    second = _run(chalice, project, env)
    assert "Creating" not in second.replace("Creating deployment package", ""), second
    assert (project / ".chalice" / "deployed" / f"{STAGE}.json").read_text() == deployed
    assert _inventory(moto_server) == before


def test_the_infra_template_is_cfn_lint_clean_with_dead_letter_queue_alarm_and_media_bucket(tmp_path: Path) -> None:
    body = infra.infra_template("yuntong-x")
    path = tmp_path / "infra.json"
    path.write_text(json.dumps(body))
    proc = subprocess.run([str(BIN / "cfn-lint"), str(path)], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    resources = body["Resources"]
    assert resources["FanoutQueue"]["Properties"]["RedrivePolicy"]["maxReceiveCount"] == 3
    assert resources["DeadLettersAlarm"]["Type"] == "AWS::CloudWatch::Alarm"
    assert resources["AppsTable"]["DeletionPolicy"] == "Retain"
    assert resources["MediaBucket"]["Properties"]["BucketName"] == {"Fn::Sub": "${TablePrefix}-media"}
