"""The merge template and IAM policies for a stage, generated from the code so they never drift from it.

- Tables come from `chalicelib.store.schema.cloudformation_resource` for every spec in `store.tables.TABLES`.
- The table prefix and the websocket stage name come from `.chalice/config.json`, like the Lambdas' own settings.
- Every function gets YUNTONG_WS_ENDPOINT when the app has websocket handlers; the fan-out queue
  (`chalicelib.config.FANOUT_QUEUE`) is created, and its URL given to every function, when a function consumes it.
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
from pathlib import Path
from typing import Any

from chalicelib.config import FANOUT_QUEUE
from chalicelib.store.schema import cloudformation_resource
from chalicelib.store.tables import TABLES
from deploy import site

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / ".chalice" / "config.json"
DEPLOYED_STAGES = ("dev", "prod")

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


def table_logical_id(key: str) -> str:
    return f"{key.capitalize()}Table"


def tables(stage: str, config_path: Path = CONFIG) -> dict[str, Any]:
    prefix = table_prefix(stage, config_path)
    return {table_logical_id(spec.key): cloudformation_resource(spec, f"{prefix}-{spec.key}") for spec in TABLES}


def policy(stage: str, config_path: Path = CONFIG) -> dict[str, Any]:
    """The Lambda role's policy: exactly what the code uses, on this stage's resources only."""
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
                "Sid": "Logs",
                "Effect": "Allow",
                "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": "arn:aws:logs:*:*:*",
            },
            {
                "Sid": "Tables",
                "Effect": "Allow",
                "Action": [f"dynamodb:{action}" for action in DYNAMODB_ACTIONS],
                "Resource": table_arns,
            },
            {
                # The websocket API's id is only known once deployed; the stage name narrows it.
                "Sid": "WebsocketPush",
                "Effect": "Allow",
                "Action": ["execute-api:ManageConnections"],
                "Resource": f"arn:aws:execute-api:*:*:*/{ws_stage}/*/@connections/*",
            },
            {
                "Sid": "FanoutQueue",
                "Effect": "Allow",
                "Action": [f"sqs:{action}" for action in SQS_ACTIONS],
                "Resource": f"arn:aws:sqs:*:*:{FANOUT_QUEUE}",
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


def merge_template(raw: dict[str, Any], stage: str, config_path: Path = CONFIG) -> dict[str, Any]:
    """What to merge into the template `chalice package` emitted (`raw`) for `stage`."""
    resources: dict[str, Any] = dict(tables(stage, config_path))
    outputs: dict[str, Any] = {
        f"{logical_id}Name": {"Value": {"Ref": logical_id}} for logical_id in tables(stage, config_path)
    }
    env: dict[str, Any] = {}
    raw_resources = raw.get("Resources", {})
    if "WebsocketAPI" in raw_resources:
        ws_stage = raw_resources["WebsocketAPIStage"]["Properties"]["StageName"]
        # REST handlers, jobs and the queue consumer have no websocket event to learn the endpoint from.
        env["YUNTONG_WS_ENDPOINT"] = {
            "Fn::Sub": f"https://${{WebsocketAPI}}.execute-api.${{AWS::Region}}.${{AWS::URLSuffix}}/{ws_stage}"
        }
    functions = _functions(raw)
    consumers = [f for f in functions.values() if _consumes_queue(f, FANOUT_QUEUE)]
    if consumers:
        timeout = max(int(f.get("Properties", {}).get("Timeout", 60)) for f in consumers)
        resources["FanoutQueue"] = {
            "Type": "AWS::SQS::Queue",
            # AWS requires the visibility timeout to be at least the consumer's timeout; 6x is its advice.
            "Properties": {"QueueName": FANOUT_QUEUE, "VisibilityTimeout": 6 * timeout},
        }
        # The Ref also orders creation: queue, then functions, then SAM's event source mapping.
        env["YUNTONG_FANOUT_QUEUE_URL"] = {"Ref": "FanoutQueue"}
        outputs["FanoutQueueUrl"] = {"Value": {"Ref": "FanoutQueue"}}
    if env:
        for name in functions:
            resources[name] = {"Properties": {"Environment": {"Variables": dict(env)}}}
    resources.update(site.resources())  # the web app: S3 + CloudFront (deploy/site.py)
    outputs.update(site.outputs())
    return {"Resources": resources, "Outputs": outputs}


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
