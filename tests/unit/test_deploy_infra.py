"""The `chalice deploy` path's infra stack (deploy/infra.py): per-stage queues, the log groups, alarms and dashboard
deploy/ops.py makes for the packaged template, and the policy file pinned once the stage is deployed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from chalicelib.config import DLQ_SUFFIX, FANOUT_QUEUE, Settings, fanout_queue
from deploy import infra, template

FUNCTIONS = infra.Functions(
    {"ApiHandler": "yuntong-ci", "Fanout": "yuntong-ci-fanout", "WebsocketMessage": "yuntong-ci-websocket_message"},
    rest_api=True,
    websocket=True,
)


def _config(tmp_path: Path) -> Path:
    (tmp_path / ".chalice").mkdir()
    for f in (template.ROOT / ".chalice").glob("*.json"):
        shutil.copy(f, tmp_path / ".chalice" / f.name)
    return tmp_path / ".chalice" / "config.json"


def test_each_stage_has_its_own_fanout_queue_and_dead_letter_queue() -> None:
    a = infra.infra_template("yuntong-a")["Resources"]
    b = infra.infra_template("yuntong-b")["Resources"]
    assert a["FanoutQueue"]["Properties"]["QueueName"] == "yuntong-a-fanout"
    assert a["FanoutDeadLetterQueue"]["Properties"]["QueueName"] == "yuntong-a-fanout" + DLQ_SUFFIX
    assert b["FanoutQueue"]["Properties"]["QueueName"] == "yuntong-b-fanout"
    # the app reads the same name from the stage's variables; the local stack keeps the default
    for stage in template.DEPLOYED_STAGES:
        env = template.stage_config(stage)["environment_variables"]
        assert fanout_queue(env) == Settings.from_env(env).fanout_queue_name == f"yuntong-{stage}-fanout"
        assert template.fanout_queue_name(stage) == f"yuntong-{stage}-fanout"
    assert fanout_queue({}) == Settings.from_env({}).fanout_queue_name == FANOUT_QUEUE
    assert template.fanout_queue_name("local") == FANOUT_QUEUE


def test_the_infra_stack_watches_the_functions_chalice_deploys() -> None:
    resources = infra.infra_template("yuntong-ci", 60, FUNCTIONS)["Resources"]
    for fn, name in FUNCTIONS.names.items():
        group = resources[f"{fn}LogGroup"]["Properties"]
        assert group == {"LogGroupName": f"/aws/lambda/{name}", "RetentionInDays": {"Ref": "LogRetentionDays"}}
        for kind in ("Errors", "Throttles"):
            alarm = resources[f"{fn}{kind}Alarm"]["Properties"]
            assert alarm["MetricName"] == kind and alarm["Dimensions"] == [{"Name": "FunctionName", "Value": name}]
    rest = resources["RestApi5xxAlarm"]["Properties"]
    assert rest["Dimensions"] == [{"Name": "ApiName", "Value": "yuntong"}, {"Name": "Stage", "Value": "api"}]
    for table in ("AppsTable", "MessagesTable"):
        assert resources[f"{table}ReadThrottlesAlarm"]["Properties"]["MetricName"] == "ReadThrottleEvents"
        assert resources[f"{table}SystemErrorsAlarm"]["Properties"]["Metrics"][-1]["Expression"].startswith("SUM(")
    assert resources["DeadLettersAlarm"]["Properties"]["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert resources["FanoutAgeAlarm"]["Properties"]["MetricName"] == "ApproximateAgeOfOldestMessage"
    assert "WebsocketErrorsAlarm" not in resources  # its API id is known after the first chalice deploy
    body = resources["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    assert all(f'"{name}"' in body for name in FUNCTIONS.names.values())


def test_once_deployed_the_websocket_api_gets_its_alarm_and_existing_log_groups_are_left_out() -> None:
    body = infra.infra_template("yuntong-ci", 60, FUNCTIONS, websocket_api_id="abc123", skip_log_groups={"Fanout"})
    resources = body["Resources"]
    ws = resources["WebsocketErrorsAlarm"]["Properties"]
    assert ws["Dimensions"] == [{"Name": "ApiId", "Value": "abc123"}]
    assert "FanoutLogGroup" not in resources and "FanoutErrorsAlarm" in resources
    assert "abc123" in resources["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]


def test_function_names_come_from_chalices_own_graph() -> None:
    found = infra.chalice_functions(template.ROOT, "ci")
    assert found.names["ApiHandler"] == "yuntong-ci"  # chalice's REST handler has no handler suffix
    assert found.names["Fanout"] == "yuntong-ci-fanout"
    assert found.names["WebsocketConnect"] == "yuntong-ci-websocket_connect"
    assert found.rest_api and found.websocket


def _deployed(config: Path, stage: str, ws_api: str = "w5abc") -> None:
    resources: list[dict[str, Any]] = [
        {"name": "default-role", "resource_type": "iam_role", "role_name": f"yuntong-{stage}", "role_arn": "x"},
        {
            "name": "api_handler",
            "resource_type": "lambda_function",
            "lambda_arn": f"arn:aws:lambda:ap-northeast-1:123456789012:function:yuntong-{stage}",
        },
        {"name": "websocket_api", "resource_type": "websocket_api", "websocket_api_id": ws_api},
    ]
    (config.parent / "deployed").mkdir(exist_ok=True)
    (config.parent / "deployed" / f"{stage}.json").write_text(json.dumps({"resources": resources}))


def _statement(doc: dict[str, Any], sid: str) -> dict[str, Any]:
    return next(s for s in doc["Statement"] if s["Sid"] == sid)


def test_the_policy_is_pinned_to_the_deployed_websocket_api_region_and_account(tmp_path: Path) -> None:
    config = _config(tmp_path)
    before = template.policy("dev", config)
    assert _statement(before, "WebsocketPush")["Resource"] == "arn:aws:execute-api:*:*:*/api/*/@connections/*"
    assert template.deployed("dev", config) is None
    _deployed(config, "dev")
    where = template.deployed("dev", config)
    assert where == template.Deployed("ap-northeast-1", "123456789012", "w5abc", ("yuntong-dev",))
    doc = template.policy("dev", config)
    push = _statement(doc, "WebsocketPush")["Resource"]
    assert push == "arn:aws:execute-api:ap-northeast-1:123456789012:w5abc/api/*/@connections/*"
    assert _statement(doc, "FanoutQueue")["Resource"] == "arn:aws:sqs:ap-northeast-1:123456789012:yuntong-dev-fanout"
    assert all(":ap-northeast-1:123456789012:" in r for r in _statement(doc, "Tables")["Resource"])
    logs = _statement(doc, "Logs")["Resource"]
    assert "arn:aws:logs:ap-northeast-1:123456789012:log-group:/aws/lambda/yuntong-dev:*" in logs  # the REST handler
    assert "*:*:" not in json.dumps(doc)


class _Iam:
    class exceptions:
        class NoSuchEntityException(Exception):
            pass

    def __init__(self) -> None:
        self.policies: dict[str, dict[str, Any]] = {}

    def get_role_policy(self, RoleName: str, PolicyName: str) -> dict[str, Any]:
        if RoleName not in self.policies:
            raise self.exceptions.NoSuchEntityException()
        return {"PolicyDocument": self.policies[RoleName]}

    def put_role_policy(self, RoleName: str, PolicyName: str, PolicyDocument: str) -> None:
        assert PolicyName == RoleName  # chalice names the inline policy after its role
        self.policies[RoleName] = json.loads(PolicyDocument)


def test_chalices_roles_get_the_pinned_policy_once(tmp_path: Path) -> None:
    config = _config(tmp_path)
    iam = _Iam()
    assert infra.apply_role_policies(iam, "dev", config) == ()  # not deployed yet: nothing to pin
    _deployed(config, "dev")
    assert infra.apply_role_policies(iam, "dev", config) == ("yuntong-dev",)
    assert iam.policies["yuntong-dev"] == template.policy("dev", config)
    assert infra.apply_role_policies(iam, "dev", config) == ()  # the same: nothing to do
