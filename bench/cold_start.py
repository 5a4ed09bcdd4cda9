"""Cold import time of app.py against a bare Chalice app, in fresh interpreters (what a Lambda cold start pays)."""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = 7
BARE_APP = 'from chalice import Chalice\n\napp = Chalice(app_name="bare")\n'
_TIMED_IMPORT = "import time; t = time.perf_counter(); import app; print(time.perf_counter() - t)"


def _env() -> dict[str, str]:
    env = dict(os.environ)
    # A Lambda zip holds no bytecode and /var/task is read-only: the app's own modules compile at every cold
    # start, while the runtime's libraries come with theirs. Copies without __pycache__ and no writing do the same.
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.pop("PYTHONPATH", None)
    return env


def _copy_app(dest: Path) -> Path:
    dest.mkdir()
    shutil.copy(ROOT / "app.py", dest / "app.py")
    shutil.copytree(ROOT / "chalicelib", dest / "chalicelib", ignore=shutil.ignore_patterns("__pycache__"))
    return dest


def import_seconds(project: Path, env: dict[str, str]) -> float:
    out = subprocess.run(
        [sys.executable, "-c", _TIMED_IMPORT], cwd=project, env=env, capture_output=True, text=True, check=True
    )
    return float(out.stdout.strip())


def heaviest_packages(project: Path, env: dict[str, str], top: int = 5) -> list[tuple[str, float]]:
    """Self import time per top-level package (python -X importtime), heaviest first."""
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import app"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    totals: dict[str, float] = defaultdict(float)
    for line in out.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line or "self [us]" in line:
            continue
        self_us, _cumulative, name = (part.strip() for part in line.split(":", 1)[1].split("|"))
        totals[name.split(".")[0]] += int(self_us) / 1e6
    return sorted(totals.items(), key=lambda kv: kv[1], reverse=True)[:top]


def main() -> None:
    env = _env()
    with tempfile.TemporaryDirectory(prefix="yuntong-bench-") as tmp:
        project = _copy_app(Path(tmp) / "app")
        bare = Path(tmp) / "bare"
        bare.mkdir()
        (bare / "app.py").write_text(BARE_APP)
        ours: list[float] = []
        base: list[float] = []
        for _ in range(RUNS):  # interleaved, so a busy machine slows both alike
            ours.append(import_seconds(project, env))
            base.append(import_seconds(bare, env))
        heavy = heaviest_packages(project, env)
    app_s, bare_s = statistics.median(ours), statistics.median(base)
    print(f"Cold import of app.py vs a bare Chalice app: {RUNS} fresh interpreters each, median (min-max)")
    print(f"  app.py        {app_s * 1000:6.0f} ms  ({min(ours) * 1000:.0f}-{max(ours) * 1000:.0f})")
    print(f"  bare Chalice  {bare_s * 1000:6.0f} ms  ({min(base) * 1000:.0f}-{max(base) * 1000:.0f})")
    print(f"  ratio         {app_s / bare_s:6.1f} x   (+{(app_s - bare_s) * 1000:.0f} ms)")
    print("  heaviest imports of app.py (self time): " + ", ".join(f"{n} {s * 1000:.0f} ms" for n, s in heavy))
    print("  (app code compiled from source each run, as from a Lambda zip; libraries use their bytecode)")


if __name__ == "__main__":
    main()
