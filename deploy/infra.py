"""The `chalice deploy` path: one small CloudFormation stack for what Chalice cannot make, and config.json updated.

`yuntong infra deploy --stage S` creates or updates the stack `yuntong-S-infra` and records what the app needs into
the stage of `.chalice/config.json` (`YUNTONG_STAGE`, `YUNTONG_TABLE_PREFIX`, `YUNTONG_FANOUT_QUEUE`,
`YUNTONG_FANOUT_QUEUE_URL`) plus its IAM policy file, as Chalice's own tutorials do with their resources. The stack:

- the tables, the stage's fan-out queue `{prefix}-fanout` and its dead-letter queue, the media bucket `{prefix}-media`;
- what deploy/ops.py makes for the packaged template, for the functions Chalice will deploy (their names come from
  Chalice's own application graph, so they are known before the first deploy): each function's log group with the
  `LogRetentionDays` retention (made before Lambda would make it without one), alarms on each function's errors and
  throttles, the REST API's 5xx, each table's throttles and system errors, dead letters and the fan-out age, to the
  topic `AlarmTopicArn` (`AlarmEmail` subscribes an address), and the dashboard `yuntong-S-infra-ops`.

Then `chalice deploy --stage S` alone gives a working system: the websocket endpoint is learned at run time
(chalicelib/store/ws_endpoint.py). Run `yuntong infra deploy` once more after the first `chalice deploy`: it reads
`.chalice/deployed/S.json` and then pins the role's policy to that region and account and `ManageConnections` to that
websocket API (the policy file, and Chalice's roles at once, so no second `chalice deploy` is needed), and adds the
websocket API's alarm and dashboard line. Running either twice changes nothing. A log group that exists outside the
stack (a stage deployed before this stack made them) keeps existing and gets the retention by PutRetentionPolicy.
The tables are retained if the stack is deleted: a new stack then needs `--table-prefix` with a new prefix, or the
old tables imported into it (CloudFormation resource import).
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chalicelib.config import MESSAGES_STREAM_VARIABLE, stage_fanout_queue
from deploy import media, ops, template

DEFAULT_TIMEOUT = 60  # chalice's default Lambda timeout, when the stage sets none
DEFAULT_RETENTION_DAYS = 30


def stack_name(stage: str) -> str:
    return f"{template.APP_NAME}-{stage}-infra"


@dataclass(frozen=True)
class Functions:
    """The Lambda functions `chalice deploy` makes for a stage: logical id (`ApiHandler`) → function name."""

    names: dict[str, str] = field(default_factory=dict)
    rest_api: bool = False
    websocket: bool = False
    app_name: str = template.APP_NAME
    api_stage: str = "api"


def _logical_id(resource_name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in resource_name.replace("-", "_").split("_") if part)


def chalice_functions(project_dir: Path, stage: str) -> Functions:
    """What Chalice will deploy for `stage`, from its own application graph (the names `chalice deploy` uses,
    e.g. `yuntong-S` for the REST handler and `yuntong-S-fanout` for the queue consumer). Imports the app."""
    from chalice.cli.factory import CLIFactory
    from chalice.deploy import models
    from chalice.deploy.appgraph import ApplicationGraphBuilder

    config = CLIFactory(str(project_dir), environ=dict(os.environ)).create_config_obj(chalice_stage_name=stage)
    graph = ApplicationGraphBuilder().build(config, stage)
    names: dict[str, str] = {}

    def walk(model: Any) -> None:
        if isinstance(model, models.LambdaFunction):
            names[_logical_id(model.resource_name)] = model.function_name
        for child in model.dependencies():
            walk(child)

    walk(graph)
    app = config.chalice_app
    return Functions(
        dict(sorted(names.items())),
        rest_api=bool(app.routes),
        websocket=bool(app.websocket_handlers),
        app_name=config.app_name,
        api_stage=config.api_gateway_stage,
    )


def infra_template(
    table_prefix: str,
    consumer_timeout: int = DEFAULT_TIMEOUT,
    functions: Functions | None = None,
    *,
    websocket_api_id: str = "",
    skip_log_groups: Collection[str] = (),
) -> dict[str, Any]:
    """Tables named `{TablePrefix}-{key}`, the fan-out queue `{table_prefix}-fanout` and its dead-letter queue, the
    media bucket, and deploy/ops.py's log groups, alarms and dashboard for `functions` (deployed by Chalice)."""
    fns = functions or Functions()
    table_resources = template.tables("", prefix="TablePrefix", default_prefix=table_prefix)
    resources: dict[str, Any] = {**table_resources, **ops.queues(consumer_timeout, stage_fanout_queue(table_prefix))}
    resources.update(
        ops.resources(
            fns.names,
            sorted(table_resources),
            rest_api=fns.rest_api,
            websocket_api=websocket_api_id if fns.websocket else False,
            queue=True,
            app_name=fns.app_name,
            rest_stage=fns.api_stage,
            skip_log_groups=skip_log_groups,
        )
    )
    # the name chalicelib uses when YUNTONG_MEDIA_BUCKET is unset, and the policy file grants (deploy/media.py)
    bucket = copy.deepcopy(media.resources()[media.LOGICAL_ID])
    bucket["Properties"]["BucketName"] = {"Fn::Sub": "${TablePrefix}-media"}
    resources[media.LOGICAL_ID] = bucket
    op_params = ops.parameters()
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "Yuntong: tables, queues, log groups, alarms and dashboard for a `chalice deploy` stage",
        "Parameters": {
            "TablePrefix": {"Type": "String", "Default": table_prefix},
            "LogRetentionDays": op_params["LogRetentionDays"],
            "AlarmEmail": op_params["AlarmEmail"],
        },
        "Conditions": ops.conditions(),
        "Resources": resources,
        "Outputs": {
            "TablePrefix": {"Value": {"Ref": "TablePrefix"}},
            # app.py's `@app.on_dynamodb_record` (chalice deploy makes its event source mapping from this ARN)
            "MessagesStreamArn": {"Value": {"Fn::GetAtt": [template.table_logical_id("messages"), "StreamArn"]}},
            "FanoutQueueUrl": {"Value": {"Ref": "FanoutQueue"}},
            "FanoutQueueName": {"Value": {"Fn::GetAtt": ["FanoutQueue", "QueueName"]}},
            "FanoutDeadLetterQueueUrl": {"Value": {"Ref": "FanoutDeadLetterQueue"}},
            "AlarmTopicArn": {"Value": {"Ref": "AlarmTopic"}},
            "DashboardName": {"Value": {"Ref": "Dashboard"}},
            **media.outputs(),
        },
    }


@dataclass(frozen=True)
class Result:
    stack: str
    action: str  # "created", "updated" or "unchanged"
    outputs: dict[str, str]
    config_changed: bool
    roles_updated: tuple[str, ...] = ()  # Chalice's roles given the pinned policy
    retention_set: tuple[str, ...] = ()  # log groups outside the stack given the retention directly


def _outputs(cfn: Any, name: str) -> dict[str, str]:
    stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def _exists(cfn: Any, name: str) -> bool:
    from botocore.exceptions import ClientError

    try:
        status = str(cfn.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"])
    except ClientError as exc:
        if "does not exist" in str(exc):
            return False
        raise
    return status != "DELETE_COMPLETE"


def _stack_log_groups(cfn: Any, name: str) -> set[str]:
    """Logical ids of the log groups the stack holds already."""
    if not _exists(cfn, name):
        return set()
    pages = cfn.get_paginator("list_stack_resources").paginate(StackName=name)
    return {
        r["LogicalResourceId"]
        for page in pages
        for r in page["StackResourceSummaries"]
        if r.get("ResourceType") == "AWS::Logs::LogGroup" or r["LogicalResourceId"].endswith("LogGroup")
    }


def _existing_log_groups(logs: Any, prefix: str) -> set[str]:
    pages = logs.get_paginator("describe_log_groups").paginate(logGroupNamePrefix=prefix)
    return {g["logGroupName"] for page in pages for g in page.get("logGroups", [])}


def _current(cfn: Any, name: str) -> tuple[Any, dict[str, str]]:
    """The stack's template (parsed) and parameter values."""
    template_body = cfn.get_template(StackName=name)["TemplateBody"]
    if isinstance(template_body, str):
        template_body = json.loads(template_body)
    stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    return template_body, {p["ParameterKey"]: str(p["ParameterValue"]) for p in stack.get("Parameters", [])}


def apply_stack(cfn: Any, name: str, body: dict[str, Any], parameters: Mapping[str, str]) -> str:
    """Create or update; returns what happened. Waits until CloudFormation is done."""
    from botocore.exceptions import ClientError

    args = {
        "StackName": name,
        "TemplateBody": json.dumps(body),
        "Parameters": [{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
    }
    if not _exists(cfn, name):
        cfn.create_stack(**args)
        cfn.get_waiter("stack_create_complete").wait(StackName=name, WaiterConfig={"Delay": 2, "MaxAttempts": 900})
        return "created"
    if _current(cfn, name) == (body, dict(parameters)):
        return "unchanged"  # (CloudFormation would answer "No updates are to be performed"; moto compares types)
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
            "YUNTONG_FANOUT_QUEUE": outputs["FanoutQueueName"],
            "YUNTONG_FANOUT_QUEUE_URL": outputs["FanoutQueueUrl"],
        }
    )
    if "MessagesStreamArn" in outputs:  # app.py's stream consumer: Chalice imports app.py with this set
        env[MESSAGES_STREAM_VARIABLE] = outputs["MessagesStreamArn"]
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


def apply_role_policies(iam: Any, stage: str, config_path: Path) -> tuple[str, ...]:
    """Give Chalice's deployed roles the policy file now (pinned once the stage is deployed), as `chalice deploy`
    would on its next run (it names each role's inline policy after the role); only roles whose policy differs."""
    where = template.deployed(stage, config_path)
    if where is None:
        return ()
    doc = template.policy(stage, config_path)
    updated = []
    for role in where.roles:
        try:
            current = iam.get_role_policy(RoleName=role, PolicyName=role)["PolicyDocument"]
        except iam.exceptions.NoSuchEntityException:
            current = None
        if isinstance(current, str):
            from urllib.parse import unquote

            current = json.loads(unquote(current))
        if current != doc:
            iam.put_role_policy(RoleName=role, PolicyName=role, PolicyDocument=json.dumps(doc))
            updated.append(role)
    return tuple(updated)


def deploy(
    client: Callable[[str], Any],
    stage: str,
    config_path: Path,
    table_prefix: str | None = None,
    *,
    retention_days: int = DEFAULT_RETENTION_DAYS,
    alarm_email: str = "",
    functions: Functions | None = None,
) -> Result:
    """The whole command: `client(name)` gives a boto3 client (cloudformation, logs, iam)."""
    if retention_days not in ops.RETENTION_DAYS:
        raise ValueError(f"--log-retention-days must be one of {', '.join(map(str, ops.RETENTION_DAYS))}")
    config = json.loads(config_path.read_text())
    stage_cfg = config.get("stages", {}).get(stage, {})
    stage_env = stage_cfg.get("environment_variables", {})
    prefix = table_prefix or stage_env.get("YUNTONG_TABLE_PREFIX") or f"{template.APP_NAME}-{stage}"
    timeout = int(stage_cfg.get("lambda_timeout", config.get("lambda_timeout", DEFAULT_TIMEOUT)))
    fns = functions if functions is not None else chalice_functions(config_path.parent.parent, stage)
    where = template.deployed(stage, config_path)
    name = stack_name(stage)
    cfn, logs = client("cloudformation"), client("logs")
    # log groups that exist but are not the stack's (Lambda made them first): kept, given the retention directly
    ours = _stack_log_groups(cfn, name)
    existing = _existing_log_groups(logs, f"/aws/lambda/{fns.app_name}-{stage}")
    outside = {
        fn for fn, fname in fns.names.items() if f"/aws/lambda/{fname}" in existing and f"{fn}LogGroup" not in ours
    }
    body = infra_template(
        prefix, timeout, fns, websocket_api_id=where.websocket_api_id if where else "", skip_log_groups=outside
    )
    parameters = {"TablePrefix": prefix, "LogRetentionDays": str(retention_days), "AlarmEmail": alarm_email}
    action = apply_stack(cfn, name, body, parameters)
    retention_set = []
    for fn in sorted(outside):
        group = f"/aws/lambda/{fns.names[fn]}"
        logs.put_retention_policy(logGroupName=group, retentionInDays=retention_days)
        retention_set.append(group)
    outputs = _outputs(cfn, name)
    changed = record(config_path, stage, outputs)
    roles = apply_role_policies(client("iam"), stage, config_path)
    return Result(name, action, outputs, changed, roles, tuple(retention_set))
