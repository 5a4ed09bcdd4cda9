"""`yuntong infra deploy --stage S`: the tables and queues `chalice deploy` cannot make (deploy/infra.py), then
`chalice deploy --stage S`. Idempotent: a second run reports "unchanged" and leaves config.json as it is."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from chalicelib.wiring import Services
from deploy import infra
from deploy.template import ROOT


def infra_deploy(args: argparse.Namespace, svc: Services, out: TextIO) -> None:
    import boto3

    settings = svc.settings
    cfn = boto3.client("cloudformation", region_name=settings.region, endpoint_url=settings.dynamodb_endpoint)
    config = Path(args.project_dir) / ".chalice" / "config.json"
    result = infra.deploy(cfn, settings.stage, config, args.table_prefix)
    print(f"stack {result.stack}: {result.action}", file=out)
    for key, value in sorted(result.outputs.items()):
        print(f"  {key} = {value}", file=out)
    state = "updated" if result.config_changed else "unchanged"
    print(f"{config}: stage {settings.stage} {state}; next: chalice deploy --stage {settings.stage}", file=out)


def register(groups: Any, parents: Sequence[argparse.ArgumentParser] = ()) -> argparse.ArgumentParser:
    help_text = "the CloudFormation stack of tables and queues a `chalice deploy` stage needs"
    parser: argparse.ArgumentParser = groups.add_parser("infra", help=help_text, description=help_text)
    cmds = parser.add_subparsers(dest="command", required=True)
    up = cmds.add_parser(
        "deploy", help="create or update it and record its outputs in .chalice/config.json", parents=parents
    )
    up.add_argument("--table-prefix", help="tables {prefix}-apps, ... (default: the stage's, else yuntong-<stage>)")
    up.add_argument("--project-dir", default=str(ROOT), help="the Chalice project (default: this repository)")
    up.set_defaults(func=infra_deploy)
    return parser
