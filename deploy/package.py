"""`make package`: the stage's CloudFormation (SAM) template with tables and settings merged in, linted.

Steps: `chalice package` once to learn which resources chalice emits, generate the merge template from that
(deploy/template.py), `chalice package --merge-template`, check the zip holds no boto3/botocore, run cfn-lint,
copy the web app (web/ and the SDK bundle) into `site/` for `python -m deploy.site upload` (deploy/site.py).

Lambda ships boto3/botocore, so pip runs with PIP_NO_DEPS=1: requirements.txt must list every runtime dependency
except those two (today pynamodb alone, whose only dependency is botocore). Without it the zip is ~17 MB.

    python -m deploy.package [--stage prod] [--out build/package] [--project-dir .]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from deploy import site, template

BIN = Path(sys.executable).parent
# Top-level names in the zip that must come from the Lambda runtime instead.
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer")


class PackagingError(Exception):
    """Packaging failed; the message says which step and why."""


@dataclass(frozen=True)
class Package:
    template: Path
    zip: Path
    zip_bytes: int
    lint_output: str
    site: Path | None  # None: the project has no web/


def _provided_by_runtime(zip_path: Path) -> list[str]:
    with zipfile.ZipFile(zip_path) as zf:
        tops = {name.split("/", 1)[0] for name in zf.namelist()}
    return sorted(t for t in tops if t.split("-", 1)[0] in RUNTIME_PROVIDED)


def _drop_stale_deployments(project_dir: Path) -> None:
    """chalice caches the zip by a hash of requirements.txt, not of pip's settings: a zip built once without
    PIP_NO_DEPS (a plain `chalice deploy`) would be reused with botocore inside. Remove those."""
    cache = project_dir / ".chalice" / "deployments"
    for cached in cache.glob("*.zip") if cache.is_dir() else []:
        try:
            stale = bool(_provided_by_runtime(cached))
        except (zipfile.BadZipFile, OSError):  # left half-written by an interrupted build: chalice would reuse it
            stale = True
        if stale:
            cached.unlink(missing_ok=True)


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PIP_NO_DEPS"] = "1"
    # chalice needs some region to start a session; the template itself uses ${AWS::Region}.
    if not (env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")):
        env["AWS_DEFAULT_REGION"] = "us-east-1"
    return env


def _run(args: list[str], cwd: Path, what: str) -> str:
    proc = subprocess.run(args, cwd=cwd, env=_env(), capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise PackagingError(f"{what} failed ({proc.returncode}):\n{proc.stdout}{proc.stderr}")
    return proc.stdout + proc.stderr


def _chalice_package(project_dir: Path, stage: str, out: Path, merge: Path | None = None) -> None:
    args = [str(BIN / "chalice"), "package", "--stage", stage, "--pkg-format", "cloudformation"]
    args += ["--template-format", "json"]
    if merge is not None:
        args += ["--merge-template", str(merge)]
    _run([*args, str(out)], project_dir, "chalice package")


def build(project_dir: Path, out: Path, stage: str = "prod", lint: bool = True) -> Package:
    project_dir = project_dir.resolve()
    out = out.resolve()
    config = project_dir / ".chalice" / "config.json"
    _drop_stale_deployments(project_dir)
    with tempfile.TemporaryDirectory(prefix="yuntong-raw-") as raw_dir:
        raw_out = Path(raw_dir) / "raw"
        _chalice_package(project_dir, stage, raw_out)
        raw = json.loads((raw_out / "sam.json").read_text())
    out.mkdir(parents=True, exist_ok=True)
    for stale in ("sam.json", "deployment.zip"):
        (out / stale).unlink(missing_ok=True)
    merge = out / "merge-template.json"
    merge.write_text(template.render(template.merge_template(raw, stage, config)))
    _chalice_package(project_dir, stage, out, merge)
    sam, zip_path = out / "sam.json", out / "deployment.zip"
    bundled = _provided_by_runtime(zip_path)
    if bundled:
        raise PackagingError(f"{zip_path} bundles {', '.join(bundled)}, which Lambda provides")
    lint_output = _run([str(BIN / "cfn-lint"), str(sam)], project_dir, "cfn-lint") if lint else ""
    site_dir = None
    if (project_dir / "web").is_dir():  # the web app, for `python -m deploy.site upload`
        site_dir = out / "site"
        try:
            site.build(site_dir, project_dir / "web", project_dir / site.SDK_BUNDLE.relative_to(site.ROOT))
        except FileNotFoundError as exc:
            raise PackagingError(f"web app: {exc}") from exc
    return Package(sam, zip_path, zip_path.stat().st_size, lint_output, site_dir)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.package", description=__doc__.splitlines()[0])
    parser.add_argument("--stage", default="prod")
    parser.add_argument("--out", type=Path, default=template.ROOT / "build" / "package")
    parser.add_argument("--project-dir", type=Path, default=template.ROOT)
    args = parser.parse_args(argv)
    try:
        built = build(args.project_dir, args.out, args.stage)
    except PackagingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"template: {built.template}  (cfn-lint: clean)")
    print(f"zip:      {built.zip}  ({built.zip_bytes / 1024:.0f} KiB, no boto3/botocore)")
    if built.site is not None:
        print(f"site:     {built.site}  (then: python -m deploy.site upload --stack S --sdkappid N --usersig-url U)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
