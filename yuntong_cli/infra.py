"""`yuntong infra deploy --stage S`: the tables, queues, log groups, alarms and dashboard `chalice deploy` cannot make
(deploy/infra.py), then `chalice deploy --stage S`; once more after the first `chalice deploy` to pin the role's policy
to the deployed websocket API. Idempotent: a second run reports "unchanged" and leaves config.json as it is."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from chalicelib.wiring import Services
from deploy import infra, ops
from deploy.template import ROOT


def infra_deploy(args: argparse.Namespace, svc: Services, out: TextIO) -> None:
    import boto3

    settings = svc.settings

    def client(name: str) -> Any:
        return boto3.client(name, region_name=settings.region, endpoint_url=settings.dynamodb_endpoint)

    config = Path(args.project_dir) / ".chalice" / "config.json"
    result = infra.deploy(
        client,
        settings.stage,
        config,
        args.table_prefix,
        retention_days=args.log_retention_days,
        alarm_email=args.alarm_email,
    )
    print(f"stack {result.stack}: {result.action}", file=out)
    for key, value in sorted(result.outputs.items()):
        print(f"  {key} = {value}", file=out)
    for group in result.retention_set:
        print(f"  {group}: made outside the stack, retention set to {args.log_retention_days} days", file=out)
    for role in result.roles_updated:
        print(f"  IAM role {role}: policy pinned to the deployed stage", file=out)
    state = "updated" if result.config_changed else "unchanged"
    print(f"{config}: stage {settings.stage} {state}; next: chalice deploy --stage {settings.stage}", file=out)


def register(groups: Any, parents: Sequence[argparse.ArgumentParser] = ()) -> argparse.ArgumentParser:
    help_text = "the CloudFormation stack of tables, queues, log groups and alarms a `chalice deploy` stage needs"
    parser: argparse.ArgumentParser = groups.add_parser("infra", help=help_text, description=help_text)
    cmds = parser.add_subparsers(dest="command", required=True)
    up = cmds.add_parser(
        "deploy",
        help="create or update it and record its outputs in .chalice/config.json (run again after the first "
        "chalice deploy: pins the role's policy to the deployed websocket API)",
        parents=parents,
    )
    up.add_argument("--table-prefix", help="tables {prefix}-apps, ... (default: the stage's, else yuntong-<stage>)")
    up.add_argument("--project-dir", default=str(ROOT), help="the Chalice project (default: this repository)")
    up.add_argument(
        "--log-retention-days",
        type=int,
        default=infra.DEFAULT_RETENTION_DAYS,
        choices=ops.RETENTION_DAYS,
        metavar="DAYS",
        help=f"days CloudWatch Logs keeps each function's logs (default {infra.DEFAULT_RETENTION_DAYS})",
    )
    up.add_argument("--alarm-email", default="", help="subscribe this address to the alarm topic (confirm AWS's mail)")
    up.set_defaults(func=infra_deploy)
    return parser
