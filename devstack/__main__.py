"""`make run`: the local stack for the project's app.py in one foreground process that Ctrl-C stops completely."""

from __future__ import annotations

import logging
import os
import signal
import sys
import time
from pathlib import Path
from types import FrameType

from chalice.app import Chalice
from chalice.cli.factory import CLIFactory
from chalice.config import Config

from devstack.callbacks import CallbackReceiver, configure_demo_callbacks, with_callbacks
from devstack.demo import Demo, banner, create_demo
from devstack.pushes import PushLog, configure_demo_push, with_pushes
from devstack.settings import STAGE, StackSettings
from devstack.site import demo_site
from devstack.stack import Stack

ROOT = Path(__file__).resolve().parent.parent
log = logging.getLogger("devstack")


def load_project(root: Path) -> tuple[Chalice, Config]:
    """Import app.py the way `chalice local --stage local` does (the stage's environment variables applied)."""
    config = CLIFactory(project_dir=str(root), environ=os.environ).create_config_obj(chalice_stage_name=STAGE)
    return config.chalice_app, config


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # SIGTERM stops the stack the same way Ctrl-C does


def _force_exit(signum: int, frame: FrameType | None) -> None:
    os._exit(130)  # a second Ctrl-C while stopping: leave now, the OS frees the ports


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for chatty in ("botocore.credentials", "pynamodb.settings"):  # one line per client built says nothing useful
        logging.getLogger(chatty).setLevel(logging.WARNING)
    try:
        settings = StackSettings.from_env()
    except ValueError as exc:
        print(f"devstack: {exc}", file=sys.stderr)
        return 2
    # before app.py is imported and before its services are built (they read the environment once)
    os.environ.pop("AWS_PROFILE", None)
    settings.apply_app_env(os.environ)
    # a shell starts background jobs with SIGINT ignored, and Python then never raises KeyboardInterrupt
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)
    stack: Stack | None = None
    code, finished = 0, True
    try:
        app, config = load_project(ROOT)
        settings.apply_app_env(os.environ)  # the stage's config.json variables never override the local endpoints
        stack = Stack(app, config, settings)
        pushes = PushLog().install()  # every offline push sent to moto's SNS, at GET /dev/pushes
        receiver = CallbackReceiver()  # what the app backend would get, at GET /dev/callbacks
        demos: list[Demo] = []

        def prepare(stack: Stack = stack) -> None:
            # before the REST and websocket ports open: a call never meets a missing demo app (nor caches its absence)
            demo = create_demo(settings)
            configure_demo_push(demo.sdkappid)
            site = demo_site(demo.sdkappid, demo.secret_key, demo.admin, stack.gateway.url)
            # + the dev callback receiver at /dev/callbacks (README "Callbacks"); YUNTONG_DEMO_CALLBACKS=1 points the
            # demo app's callbacks at it
            stack.rest.site = with_callbacks(with_pushes(site, pushes), receiver)
            if os.environ.get("YUNTONG_DEMO_CALLBACKS") == "1":
                configure_demo_callbacks(demo.sdkappid, stack.rest.url)
            demos.append(demo)

        stack.start(before_serving=prepare)
        print(banner(stack, demos[0]), flush=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        print(f"devstack: {exc}", file=sys.stderr)
        code = 1
    finally:
        signal.signal(signal.SIGINT, _force_exit)
        signal.signal(signal.SIGTERM, _force_exit)
        if stack is not None:
            print("devstack: stopping", file=sys.stderr, flush=True)
            finished = stack.stop()
            print("devstack: stopped", file=sys.stderr, flush=True)
    if not finished:
        log.warning("a handler is still running: exiting without waiting for it")
    return code


if __name__ == "__main__":
    exit_code = main()
    # Everything is stopped, and a stuck handler's thread would keep the process alive; finalizing moto's in-memory
    # state only adds seconds to Ctrl-C. Flush and leave.
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(exit_code)
