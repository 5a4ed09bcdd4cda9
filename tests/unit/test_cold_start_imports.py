"""Importing app.py (a Lambda cold start) loads the edges only: no services, stores, PynamoDB or botocore, which
the first request that needs them imports (bench/cold_start.py times it; issue 15.5). Counted, not timed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = tuple(f"chalicelib.{p}." for p in ("services", "store", "push", "blobs", "api.commands"))
LIBRARIES = ("pynamodb", "botocore", "boto3", "PIL")


def test_importing_app_py_loads_no_service_store_or_aws_library() -> None:
    script = "import json, sys; import app; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    loaded = json.loads(out.stdout.strip().splitlines()[-1])
    heavy = [m for m in loaded if m.startswith(HEAVY) or m.split(".")[0] in LIBRARIES]
    assert heavy == [], "app.py imports these eagerly; import them where they are used (see bench/cold_start.py)"
