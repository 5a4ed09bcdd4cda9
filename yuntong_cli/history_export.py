"""`yuntong history-export run [--now]`: assemble the hourly history export files (get_history) now.

The hourly job (app.py `history_export_job`) does this by itself for every finished hour; the command runs it at
once, and `--now` includes the current hour (the local stack's way to see a file without waiting an hour: a later
run merges the rest of the hour into the same file).
"""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Sequence
from typing import Any, TextIO

from chalicelib import wiring


def run(args: argparse.Namespace, svc: wiring.Services, out: TextIO) -> None:
    settings = svc.settings
    if settings.s3_endpoint is None and settings.dynamodb_endpoint:  # the local stack's moto serves S3 too
        svc = wiring.build(dataclasses.replace(settings, s3_endpoint=settings.dynamodb_endpoint), clock=svc.clock)
    files = svc.history_export.run(unfinished=args.now)
    for f in files:
        print(f"{f.sdkappid} {f.chat} {f.hour}: {f.messages} message(s), {f.gzip_size} B gzipped", file=out)
    print(f"{len(files)} file(s) assembled", file=out)


def register(groups: Any, parents: Sequence[argparse.ArgumentParser] = ()) -> argparse.ArgumentParser:
    help_text = "assemble the hourly history export files (open_msg_svc/get_history) now"
    parser: argparse.ArgumentParser = groups.add_parser("history-export", help=help_text, description=help_text)
    cmds = parser.add_subparsers(dest="command", required=True)
    go = cmds.add_parser("run", help="every finished hour with new messages", parents=parents)
    go.add_argument("--now", action="store_true", help="include the current hour")
    go.set_defaults(func=run)
    return parser
