"""The merge template and IAM policies for a stage, generated from the code so they never drift from it.

- Tables come from `chalicelib.store.schema.cloudformation_resource` for every spec in `store.tables.TABLES`.
- The table prefix and the websocket stage name come from `.chalice/config.json`, like the Lambdas' own settings.
- Every function gets YUNTONG_WS_ENDPOINT when the app has websocket handlers; the stage's fan-out queue
  (YUNTONG_FANOUT_QUEUE in config.json, chalicelib.config.fanout_queue) is created, and its URL given to every
  function, when a function consumes it.
- The policy files (`chalice deploy`): once `.chalice/deployed/<stage>.json` exists (after a first deploy), they are
  pinned to the region and account it names and `execute-api:ManageConnections` to its websocket API.
- The web app's bucket and CloudFront distribution come from deploy/site.py (output `SiteURL`).
- The merge template only touches resources `chalice package` actually emitted (read from its raw template):
  `chalice package --merge-template` deep-merges dicts but replaces whole lists, and a key naming a resource chalice
  did not emit would create a resource without a Type. So functions get environment variables (a dict) and nothing
  here restates a list chalice owns; the IAM policy lives in the policy files (`autogen_policy: false`).

    python -m deploy.template policies            # rewrite .chalice/policy-<stage>.json for every deployed stage
    python -m deploy.template merge RAW.json OUT.json --stage prod
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chalicelib.config import DLQ_SUFFIX, fanout_queue
from chalicelib.store.schema import cloudformation_resource
from chalicelib.store.tables import TABLES
from deploy import media, ops, site

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / ".chalice" / "config.json"
DEPLOYED_STAGES = ("dev", "prod")
APP_NAME = "yuntong"

# Every DynamoDB action chalicelib makes at run time. tests/iam_guard.py fails the test run when the code uses one
# that is missing here: add it, then run `python -m deploy.template policies`.
DYNAMODB_ACTIONS = (
    "BatchGetItem",
    "BatchWriteItem",
    "ConditionCheckItem",  # ConditionCheck items of TransactWriteItems (relations)
    "DeleteItem",
    "GetItem",
    "PutItem",
    "Query",
    "Scan",  # only the purge of a deleted app past its restore period (chalicelib/store/apps.DynamoTenantData)
    "UpdateItem",
)
# The Lambda event source needs Receive/Delete/GetQueueAttributes; producers need SendMessage, and GetQueueUrl
# when YUNTONG_FANOUT_QUEUE_URL is not set (a `chalice deploy` stage).
SQS_ACTIONS = (
    "ChangeMessageVisibility",
    "DeleteMessage",
    "GetQueueAttributes",
    "GetQueueUrl",
    "ReceiveMessage",
    "SendMessage",
)
# Offline push (chalicelib/push/sns.py): the app's platform applications, their endpoints and the webhook topics,
# all named `{table prefix}-{sdkappid}-{platform}` (tests/iam_guard.py fails the run on an SNS action missing here).
SNS_ACTIONS = (
    "CreatePlatformApplication",
    "CreatePlatformEndpoint",
    "CreateTopic",
    "DeleteEndpoint",
    "GetEndpointAttributes",
    "Publish",
    "SetPlatformApplicationAttributes",
    "Subscribe",
)
# The messages table's stream (app.py `message_stream`): what Lambda's event source mapping reads with the function's
# role (ListStreams has no resource-level permission: its own statement). `make package` also bisects a failing
# batch, retries each part STREAM_RETRIES times and then sends the batch's description to STREAM_DLQ.
STREAM_ACTIONS = ("DescribeStream", "GetRecords", "GetShardIterator")
STREAM_RETRIES = 5
STREAM_DLQ = "MessageStreamDeadLetterQueue"


def stage_config(stage: str, config_path: Path = CONFIG) -> dict[str, Any]:
    """A stage's effective settings: top-level keys overridden by the stage's, environment variables merged."""
    config = json.loads(config_path.read_text())
    if stage not in config.get("stages", {}):
        raise KeyError(f"stage {stage!r} is not in {config_path}")
    stage_part = config["stages"][stage]
    merged = {k: v for k, v in config.items() if k != "stages"}
    merged.update(stage_part)
    merged["environment_variables"] = {
        **config.get("environment_variables", {}),
        **stage_part.get("environment_variables", {}),
    }
    return merged


def table_prefix(stage: str, config_path: Path = CONFIG) -> str:
    prefix = stage_config(stage, config_path)["environment_variables"].get("YUNTONG_TABLE_PREFIX")
    if not prefix:
        raise KeyError(f"stage {stage!r} sets no YUNTONG_TABLE_PREFIX in {config_path}")
    return str(prefix)


def fanout_queue_name(stage: str, config_path: Path = CONFIG) -> str:
    """The queue the stage's app consumes: what app.py computes when Chalice imports it with the stage's variables."""
    return fanout_queue(stage_config(stage, config_path)["environment_variables"])


@dataclass(frozen=True)
class Deployed:
    """What a `chalice deploy` of the stage recorded (`.chalice/deployed/<stage>.json`)."""

    region: str
    account: str
    websocket_api_id: str
    roles: tuple[str, ...]  # IAM roles Chalice made; each has one inline policy named after it (the policy file)


def deployed(stage: str, config_path: Path = CONFIG) -> Deployed | None:
    """The stage's deployed resources, or None before its first `chalice deploy`."""
    path = config_path.parent / "deployed" / f"{stage}.json"
    if not path.is_file():
        return None
    resources = json.loads(path.read_text()).get("resources", [])
    arns = [str(r["lambda_arn"]) for r in resources if r.get("resource_type") == "lambda_function"]
    if not arns:
        return None
    _, _, _, region, account, *_ = arns[0].split(":")  # arn:aws:lambda:REGION:ACCOUNT:function:NAME
    ws = next((str(r["websocket_api_id"]) for r in resources if r.get("resource_type") == "websocket_api"), "")
    roles = tuple(str(r["role_name"]) for r in resources if r.get("resource_type") == "iam_role" and "role_name" in r)
    return Deployed(region, account, ws, roles)


def table_logical_id(key: str) -> str:
    return f"{key.capitalize()}Table"


def tables(
    stage: str, config_path: Path = CONFIG, prefix: str | None = None, default_prefix: str | None = None
) -> dict[str, Any]:
    """Table resources named `{prefix}-{key}`: the stage's prefix from config.json, or with `prefix` the name of a
    template parameter holding it."""

    out: dict[str, Any] = {}
    for spec in TABLES:
        resource = cloudformation_resource(spec, f"{default_prefix or table_prefix(stage, config_path)}-{spec.key}")
        if prefix is not None:
            resource["Properties"]["TableName"] = {"Fn::Sub": f"${{{prefix}}}-{spec.key}"}
        out[table_logical_id(spec.key)] = resource
    return out


def policy(stage: str, config_path: Path = CONFIG) -> dict[str, Any]:
    """The Lambda role's policy: exactly what the code uses, on this stage's resources only; once the stage is
    deployed, in its region and account only and `ManageConnections` on its websocket API only."""
    doc = _policy(stage, config_path)
    where = deployed(stage, config_path)
    if where is None:
        return doc
    if where.websocket_api_id:
        push = next(s for s in doc["Statement"] if s["Sid"] == "WebsocketPush")
        push["Resource"] = push["Resource"].replace(":*:*:*/", f":*:*:{where.websocket_api_id}/")
    pinned = json.dumps(doc)
    for service in ("dynamodb", "execute-api", "logs", "sns", "sqs"):
        pinned = pinned.replace(f"arn:aws:{service}:*:*:", f"arn:aws:{service}:{where.region}:{where.account}:")
    return dict(json.loads(pinned))


def _policy(stage: str, config_path: Path = CONFIG) -> dict[str, Any]:
    prefix = table_prefix(stage, config_path)
    ws_stage = stage_config(stage, config_path).get("api_gateway_stage", "api")
    table_arns: list[str] = []
    for spec in TABLES:
        arn = f"arn:aws:dynamodb:*:*:table/{prefix}-{spec.key}"
        table_arns.append(arn)
        if spec.gsis:
            table_arns.append(f"{arn}/index/*")
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                # chalice deploy names the REST handler {app}-{stage} and the others {app}-{stage}-{handler}: only
                # their log groups (the infra stack makes them with their retention; CreateLogGroup for a handler
                # added since the last `yuntong infra deploy`)
                "Sid": "Logs",
                "Effect": "Allow",
                "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": [
                    f"arn:aws:logs:*:*:log-group:/aws/lambda/{APP_NAME}-{stage}",
                    f"arn:aws:logs:*:*:log-group:/aws/lambda/{APP_NAME}-{stage}:*",
                    f"arn:aws:logs:*:*:log-group:/aws/lambda/{APP_NAME}-{stage}-*",
                    f"arn:aws:logs:*:*:log-group:/aws/lambda/{APP_NAME}-{stage}-*:*",
                ],
            },
            {
                "Sid": "Tables",
                "Effect": "Allow",
                "Action": [f"dynamodb:{action}" for action in DYNAMODB_ACTIONS],
                "Resource": table_arns,
            },
            {
                # The websocket API's id is only known once deployed: until then the stage name narrows it (policy()
                # puts the id in once .chalice/deployed/<stage>.json names it).
                "Sid": "WebsocketPush",
                "Effect": "Allow",
                "Action": ["execute-api:ManageConnections"],
                "Resource": f"arn:aws:execute-api:*:*:*/{ws_stage}/*/@connections/*",
            },
            {
                "Sid": "FanoutQueue",
                "Effect": "Allow",
                "Action": [f"sqs:{action}" for action in SQS_ACTIONS],
                "Resource": f"arn:aws:sqs:*:*:{fanout_queue_name(stage, config_path)}",
            },
            {
                # the Tracing parameter (X-Ray has no resource-level permissions)
                "Sid": "Tracing",
                "Effect": "Allow",
                "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
                "Resource": "*",
            },
            {
                # Only this stage's apps' platform applications, their endpoints and webhook topics.
                "Sid": "OfflinePush",
                "Effect": "Allow",
                "Action": [f"sns:{action}" for action in SNS_ACTIONS],
                "Resource": [
                    f"arn:aws:sns:*:*:app/*/{prefix}-*",
                    f"arn:aws:sns:*:*:endpoint/*/{prefix}-*/*",
                    f"arn:aws:sns:*:*:{prefix}-*",
                ],
            },
            media.chalice_statement(prefix),  # the media bucket's uploads/ and objects/ (deploy/media.py)
            {
                # the messages table's stream, read by its event source mapping for app.py's message_stream
                "Sid": "MessagesStream",
                "Effect": "Allow",
                "Action": [f"dynamodb:{action}" for action in STREAM_ACTIONS],
                "Resource": f"arn:aws:dynamodb:*:*:table/{prefix}-messages/stream/*",
            },
            {
                "Sid": "ListStreams",  # no resource-level permission: Lambda's mapping lists the table's streams
                "Effect": "Allow",
                "Action": ["dynamodb:ListStreams"],
                "Resource": "*",
            },
            media.chalice_list_statement(prefix),  # listing them: the purge of a deleted app
        ],
    }


def policy_path(stage: str, config_path: Path = CONFIG) -> Path:
    return config_path.parent / str(stage_config(stage, config_path)["iam_policy_file"])


def render(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, sort_keys=False) + "\n"


def _functions(raw: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: res for name, res in raw.get("Resources", {}).items() if res.get("Type") == "AWS::Serverless::Function"
    }


def _consumes_queue(function: dict[str, Any], queue_name: str) -> bool:
    for event in (function.get("Properties", {}).get("Events") or {}).values():
        if event.get("Type") != "SQS":
            continue
        queue = event.get("Properties", {}).get("Queue")
        text = queue.get("Fn::Sub", "") if isinstance(queue, dict) else str(queue)
        if str(text).endswith(f":{queue_name}"):
            return True
    return False


def _stream_events(function: dict[str, Any]) -> list[str]:
    """The function's DynamoDB stream event sources (app.py's `@app.on_dynamodb_record`)."""
    events = function.get("Properties", {}).get("Events") or {}
    return [name for name, event in events.items() if event.get("Type") == "DynamoDB"]


def cfn_policy(stage: str, config_path: Path = CONFIG) -> dict[str, Any]:
    """`policy(stage)` pinned to this stack: its region and account, its tables (TablePrefix parameter), its
    websocket API, its queues and its functions' log groups (CloudFormation names them {stack}-{logical id}-...)."""
    ws_stage = stage_config(stage, config_path).get("api_gateway_stage", "api")
    here = "arn:${AWS::Partition}:{service}:${AWS::Region}:${AWS::AccountId}"

    def arn(service: str, rest: str) -> dict[str, str]:
        return {"Fn::Sub": here.replace("{service}", service) + rest}

    doc = _policy(stage, config_path)
    by_sid = {statement["Sid"]: statement for statement in doc["Statement"]}
    by_sid["Logs"]["Action"] = ["logs:CreateLogStream", "logs:PutLogEvents"]  # the groups are the stack's
    by_sid["Logs"]["Resource"] = [
        arn("logs", ":log-group:/aws/lambda/${AWS::StackName}-*"),
        arn("logs", ":log-group:/aws/lambda/${AWS::StackName}-*:*"),
    ]
    tables_arns: list[Any] = []
    for spec in TABLES:
        tables_arns.append(arn("dynamodb", f":table/${{TablePrefix}}-{spec.key}"))
        if spec.gsis:
            tables_arns.append(arn("dynamodb", f":table/${{TablePrefix}}-{spec.key}/index/*"))
    by_sid["Tables"]["Resource"] = tables_arns
    by_sid["WebsocketPush"]["Resource"] = arn("execute-api", f":${{WebsocketAPI}}/{ws_stage}/*/@connections/*")
    queue = fanout_queue_name(stage, config_path)
    by_sid["FanoutQueue"]["Resource"] = [arn("sqs", f":{queue}"), arn("sqs", f":{queue}{DLQ_SUFFIX}")]
    by_sid["OfflinePush"]["Resource"] = [
        arn("sns", ":app/*/${TablePrefix}-*"),
        arn("sns", ":endpoint/*/${TablePrefix}-*/*"),
        arn("sns", ":${TablePrefix}-*"),
    ]
    by_sid["Media"]["Resource"] = media.cfn_statement()["Resource"]
    by_sid["MessagesStream"]["Resource"] = {"Fn::GetAtt": [table_logical_id("messages"), "StreamArn"]}
    by_sid["MediaList"]["Resource"] = media.cfn_list_statement()["Resource"]
    return doc


def merge_template(raw: dict[str, Any], stage: str, config_path: Path = CONFIG) -> dict[str, Any]:
    """What to merge into the template `chalice package` emitted (`raw`) for `stage`."""
    config = stage_config(stage, config_path)
    table_resources = tables(stage, config_path, prefix="TablePrefix")
    resources: dict[str, Any] = dict(table_resources)
    outputs: dict[str, Any] = {f"{logical_id}Name": {"Value": {"Ref": logical_id}} for logical_id in table_resources}
    parameters: dict[str, Any] = {
        "Stage": {"Type": "String", "Default": stage, "Description": "YUNTONG_STAGE of every function"},
        "TablePrefix": {
            "Type": "String",
            "Default": table_prefix(stage, config_path),
            "Description": "tables are {TablePrefix}-apps, -entities, ...; retained when the stack is deleted, so a "
            "new stack needs a new prefix or the old tables imported",
        },
        **ops.parameters(),
    }
    env: dict[str, Any] = {"YUNTONG_STAGE": {"Ref": "Stage"}, "YUNTONG_TABLE_PREFIX": {"Ref": "TablePrefix"}}
    env.update(media.environment())
    resources.update(media.resources())  # the media bucket: lifecycle, CORS (deploy/media.py)
    outputs.update(media.outputs())
    raw_resources = raw.get("Resources", {})
    websocket_api = "WebsocketAPI" in raw_resources
    if websocket_api:
        ws_stage = raw_resources["WebsocketAPIStage"]["Properties"]["StageName"]
        # REST handlers, jobs and the queue consumer have no websocket event to learn the endpoint from.
        env["YUNTONG_WS_ENDPOINT"] = {
            "Fn::Sub": f"https://${{WebsocketAPI}}.execute-api.${{AWS::Region}}.${{AWS::URLSuffix}}/{ws_stage}"
        }
    functions = _functions(raw)
    queue = fanout_queue_name(stage, config_path)
    consumers = {name: f for name, f in functions.items() if _consumes_queue(f, queue)}
    function_props: dict[str, dict[str, Any]] = {name: {} for name in functions}
    if consumers:
        timeout = max(int(f.get("Properties", {}).get("Timeout", 60)) for f in consumers.values())
        resources.update(ops.queues(timeout, queue))
        # The Ref also orders creation: queue, then functions, then SAM's event source mapping.
        env["YUNTONG_FANOUT_QUEUE_URL"] = {"Ref": "FanoutQueue"}
        env["YUNTONG_BATCH_ITEM_FAILURES"] = "1"  # set on the mapping below
        outputs["FanoutQueueUrl"] = {"Value": {"Ref": "FanoutQueue"}}
        outputs["FanoutDeadLetterQueueUrl"] = {"Value": {"Ref": "FanoutDeadLetterQueue"}}
        for name, function in consumers.items():
            # Chalice cannot set it: only the failed messages of a batch go back to the queue (app.py returns them)
            function_props[name]["Events"] = {
                event_name: {"Properties": {"FunctionResponseTypes": ["ReportBatchItemFailures"]}}
                for event_name, event in (function.get("Properties", {}).get("Events") or {}).items()
                if event.get("Type") == "SQS"
            }
    stream_consumers = {name: f for name, f in functions.items() if _stream_events(f)}
    if stream_consumers:
        resources[STREAM_DLQ] = {
            "Type": "AWS::SQS::Queue",
            "Properties": {"MessageRetentionPeriod": ops.DLQ_RETENTION_S},
        }
        outputs["MessageStreamDeadLetterQueueUrl"] = {"Value": {"Ref": STREAM_DLQ}}
        for name, function in stream_consumers.items():
            # Chalice's own deploy cannot set these (README "History export and statistics"): the stream of the
            # stack's table, bisect a failing batch, retry each part 5 times, then describe it in the DLQ
            function_props[name].setdefault("Events", {}).update(
                {
                    event_name: {
                        "Properties": {
                            "Stream": {"Fn::GetAtt": [table_logical_id("messages"), "StreamArn"]},
                            "BisectBatchOnFunctionError": True,
                            "MaximumRetryAttempts": STREAM_RETRIES,
                            "DestinationConfig": {
                                "OnFailure": {"Type": "SQS", "Destination": {"Fn::GetAtt": [STREAM_DLQ, "Arn"]}}
                            },
                        }
                    }
                    for event_name in _stream_events(function)
                }
            )
    role_policy = cfn_policy(stage, config_path)
    if stream_consumers:
        role_policy["Statement"].append(
            {
                "Sid": "MessageStreamFailures",
                "Effect": "Allow",
                "Action": ["sqs:SendMessage"],
                "Resource": {"Fn::GetAtt": [STREAM_DLQ, "Arn"]},
            }
        )
    else:
        stream_sids = ("MessagesStream", "ListStreams")
        role_policy["Statement"] = [s for s in role_policy["Statement"] if s["Sid"] not in stream_sids]
    if not websocket_api:
        role_policy["Statement"] = [s for s in role_policy["Statement"] if s["Sid"] != "WebsocketPush"]
    if not consumers:
        role_policy["Statement"] = [s for s in role_policy["Statement"] if s["Sid"] != "FanoutQueue"]
    for name, function in functions.items():
        props = function_props[name]
        props["Environment"] = {"Variables": dict(env)}
        props["Tracing"] = {"Ref": "Tracing"}
        resources[name] = {"Properties": props}
        role = function.get("Properties", {}).get("Role")
        role_id = str(role.get("Fn::GetAtt", [""])[0]) if isinstance(role, dict) else ""
        if role_id in raw_resources:
            # a list (chalice's deep merge replaces it whole): the same statements, pinned to this stack
            policy_doc = {"PolicyName": f"{role_id}Policy", "PolicyDocument": role_policy}
            resources[role_id] = {"Properties": {"Policies": [policy_doc]}}
    resources.update(
        ops.resources(
            sorted(functions),
            sorted(table_resources),
            rest_api="RestAPI" in raw_resources,
            websocket_api=websocket_api,
            queue=bool(consumers),
            app_name=str(config.get("app_name", APP_NAME)),
            rest_stage=str(config.get("api_gateway_stage", "api")),
        )
    )
    outputs["AlarmTopicArn"] = {"Value": {"Ref": "AlarmTopic"}}
    outputs["DashboardName"] = {"Value": {"Ref": "Dashboard"}}
    resources.update(site.resources())  # the web app: S3 + CloudFront (deploy/site.py)
    outputs.update(site.outputs())
    return {"Parameters": parameters, "Conditions": ops.conditions(), "Resources": resources, "Outputs": outputs}


def write_policies(config_path: Path = CONFIG) -> list[Path]:
    written = []
    for stage in DEPLOYED_STAGES:
        path = policy_path(stage, config_path)
        path.write_text(render(policy(stage, config_path)))
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.template", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    sub.add_parser("policies", help="rewrite the stages' IAM policy files")
    merge = sub.add_parser("merge", help="write the merge template for a raw `chalice package` template")
    merge.add_argument("raw", type=Path)
    merge.add_argument("out", type=Path)
    merge.add_argument("--stage", default="prod")
    args = parser.parse_args(argv)
    if args.what == "policies":
        for path in write_policies():
            print(f"wrote {path.relative_to(ROOT)}")
    else:
        args.out.write_text(render(merge_template(json.loads(args.raw.read_text()), args.stage)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
