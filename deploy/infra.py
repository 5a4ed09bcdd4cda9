"""The `chalice deploy` path: one small CloudFormation stack for what Chalice cannot make, and config.json updated.

`yuntong infra deploy --stage S` creates or updates the stack `yuntong-S-infra` (the tables, the fan-out queue with
its dead-letter queue and their alarms, the media bucket `{prefix}-media`; nothing else) and records what the app
needs into the stage of `.chalice/config.json` (`YUNTONG_STAGE`, `YUNTONG_TABLE_PREFIX`, `YUNTONG_FANOUT_QUEUE_URL`)
plus its IAM policy file, as Chalice's own tutorials do with their resources. Then `chalice deploy --stage S` alone
gives a working system: the websocket endpoint is learned at run time (chalicelib/push/endpoint.py). Running either
twice changes nothing. The tables are retained if the stack is deleted: a new stack then needs `--table-prefix` with
a new prefix, or the old tables imported into it (CloudFormation resource import).
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deploy import media, ops, template

DEFAULT_TIMEOUT = 60  # chalice's default Lambda timeout, when the stage sets none


def stack_name(stage: str) -> str:
    return f"{template.APP_NAME}-{stage}-infra"


def infra_template(table_prefix: str, consumer_timeout: int = DEFAULT_TIMEOUT) -> dict[str, Any]:
    """Tables named `{TablePrefix}-{key}`, the fan-out queue and its dead-letter queue, an alarm on dead letters."""
    table_resources = template.tables("", prefix="TablePrefix", default_prefix=table_prefix)
    dlq_alarm = ops.resources([], [], rest_api=False, websocket_api=False, queue=True)
    resources: dict[str, Any] = {
        **table_resources,
        **ops.queues(consumer_timeout),
        "AlarmTopic": dlq_alarm["AlarmTopic"],
        "DeadLettersAlarm": dlq_alarm["DeadLettersAlarm"],
        "FanoutAgeAlarm": dlq_alarm["FanoutAgeAlarm"],
    }
    # the name chalicelib uses when YUNTONG_MEDIA_BUCKET is unset, and the policy file grants (deploy/media.py)
    bucket = copy.deepcopy(media.resources()[media.LOGICAL_ID])
    bucket["Properties"]["BucketName"] = {"Fn::Sub": "${TablePrefix}-media"}
    resources[media.LOGICAL_ID] = bucket
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "Yuntong: tables and queues for a `chalice deploy` stage",
        "Parameters": {"TablePrefix": {"Type": "String", "Default": table_prefix}},
        "Resources": resources,
        "Outputs": {
            "TablePrefix": {"Value": {"Ref": "TablePrefix"}},
            "FanoutQueueUrl": {"Value": {"Ref": "FanoutQueue"}},
            "FanoutDeadLetterQueueUrl": {"Value": {"Ref": "FanoutDeadLetterQueue"}},
            "AlarmTopicArn": {"Value": {"Ref": "AlarmTopic"}},
            **media.outputs(),
        },
    }


@dataclass(frozen=True)
class Result:
    stack: str
    action: str  # "created", "updated" or "unchanged"
    outputs: dict[str, str]
    config_changed: bool


def _outputs(cfn: Any, name: str) -> dict[str, str]:
    stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def _exists(cfn: Any, name: str) -> bool:
    from botocore.exceptions import ClientError

    try:
        status = cfn.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"]
    except ClientError as exc:
        if "does not exist" in str(exc):
            return False
        raise
    return status != "DELETE_COMPLETE"


def apply_stack(cfn: Any, name: str, body: dict[str, Any], table_prefix: str) -> str:
    """Create or update; returns what happened. Waits until CloudFormation is done."""
    from botocore.exceptions import ClientError

    args = {
        "StackName": name,
        "TemplateBody": json.dumps(body),
        "Parameters": [{"ParameterKey": "TablePrefix", "ParameterValue": table_prefix}],
    }
    if not _exists(cfn, name):
        cfn.create_stack(**args)
        cfn.get_waiter("stack_create_complete").wait(StackName=name, WaiterConfig={"Delay": 2, "MaxAttempts": 900})
        return "created"
    try:
        cfn.update_stack(**args)
    except ClientError as exc:
        if "No updates are to be performed" in str(exc):
            return "unchanged"
        raise
    cfn.get_waiter("stack_update_complete").wait(StackName=name, WaiterConfig={"Delay": 2, "MaxAttempts": 900})
    return "updated"


def record(config_path: Path, stage: str, outputs: dict[str, str]) -> bool:
    """Write the stage's environment (and its policy file) into the Chalice config; False if nothing changed."""
    before = config_path.read_text()
    config = json.loads(before)
    stage_cfg = config.setdefault("stages", {}).setdefault(stage, {})
    stage_cfg.setdefault("api_gateway_stage", "api")
    stage_cfg["autogen_policy"] = False
    stage_cfg.setdefault("iam_policy_file", f"policy-{stage}.json")
    env = stage_cfg.setdefault("environment_variables", {})
    env.update(
        {
            "YUNTONG_STAGE": stage,
            "YUNTONG_TABLE_PREFIX": outputs["TablePrefix"],
            "YUNTONG_FANOUT_QUEUE_URL": outputs["FanoutQueueUrl"],
        }
    )
    after = json.dumps(config, indent=2) + "\n"
    changed = after != before
    if changed:
        config_path.write_text(after)
    policy_file = template.policy_path(stage, config_path)
    policy = template.render(template.policy(stage, config_path))
    if not policy_file.exists() or policy_file.read_text() != policy:
        policy_file.write_text(policy)
        changed = True
    return changed


def deploy(cfn: Any, stage: str, config_path: Path, table_prefix: str | None = None) -> Result:
    config = json.loads(config_path.read_text())
    stage_env = config.get("stages", {}).get(stage, {}).get("environment_variables", {})
    prefix = table_prefix or stage_env.get("YUNTONG_TABLE_PREFIX") or f"{template.APP_NAME}-{stage}"
    timeout = int(config.get("stages", {}).get(stage, {}).get("lambda_timeout", config.get("lambda_timeout", 60)))
    name = stack_name(stage)
    action = apply_stack(cfn, name, infra_template(prefix, timeout), prefix)
    outputs = _outputs(cfn, name)
    return Result(name, action, outputs, record(config_path, stage, outputs))
