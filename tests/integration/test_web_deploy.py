"""The web app on AWS: no dev UserSig endpoint in a deployed stage, the S3 + CloudFront site, the upload step."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from chalice.test import Client
from moto import mock_aws

from deploy import site, template


def test_a_deployed_stage_answers_nothing_at_the_dev_paths() -> None:
    from app import app

    with Client(app, stage_name="prod") as client:
        for method, path in [("POST", "/dev/usersig"), ("GET", "/dev/usersig"), ("GET", "/config.json")]:
            reply = client.http.request(method, path, body=b'{"UserID": "alice", "Import": true}')
            assert reply.status_code == 403, (path, reply.body)  # API Gateway's "Missing Authentication Token"
            assert b"UserSig" not in reply.body


def test_app_py_declares_no_route_outside_v4() -> None:
    from app import app

    assert app.routes and all(path.startswith("/v4") for path in app.routes), list(app.routes)


def test_the_merge_template_adds_a_private_bucket_served_by_cloudfront() -> None:
    merged = template.merge_template({"Resources": {}}, "prod")
    resources, outputs = merged["Resources"], merged["Outputs"]
    bucket = resources["SiteBucket"]["Properties"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    distribution = resources["SiteDistribution"]["Properties"]["DistributionConfig"]
    assert distribution["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "redirect-to-https"
    assert distribution["DefaultRootObject"] == "index.html"
    statement = resources["SiteBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"][0]
    assert statement["Principal"] == {"Service": "cloudfront.amazonaws.com"} and statement["Action"] == "s3:GetObject"
    assert outputs["SiteURL"] == {"Value": {"Fn::Sub": "https://${SiteDistribution.DomainName}/"}}
    assert "usersig" not in json.dumps(merged).lower()


def _fake_project(tmp_path: Path) -> tuple[Path, Path]:
    web = tmp_path / "web"
    web.mkdir()
    (web / "index.html").write_text("<!doctype html>")
    (web / "app.js").write_text("export {};")
    (web / "config.json").write_text("{}")  # a developer's local file never ships
    bundle = tmp_path / "dist" / "yuntong-chat.mjs"
    bundle.parent.mkdir()
    bundle.write_text("export default 1;")
    return web, bundle


def test_build_copies_web_and_the_sdk_bundle(tmp_path: Path) -> None:
    web, bundle = _fake_project(tmp_path)
    files = site.build(tmp_path / "out", web, bundle)
    assert [f.as_posix() for f in files] == ["app.js", "index.html", "sdk/yuntong-chat.mjs"]


def test_build_refuses_a_site_without_the_sdk(tmp_path: Path) -> None:
    web, _ = _fake_project(tmp_path)
    with pytest.raises(FileNotFoundError, match="make sdk"):
        site.build(tmp_path / "out", web, tmp_path / "nope.mjs")


def test_upload_puts_the_files_and_a_config_without_dev_endpoints(tmp_path: Path) -> None:
    web, bundle = _fake_project(tmp_path)
    site.build(tmp_path / "out", web, bundle)
    config = site.page_config(1400000001, "wss://abc.execute-api.us-east-1.amazonaws.com/api", "https://b.example/sig")
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="site")
        keys = site.upload(s3, "site", tmp_path / "out", config)
        assert sorted(keys) == ["app.js", "config.json", "index.html", "sdk/yuntong-chat.mjs"]
        sdk = s3.get_object(Bucket="site", Key="sdk/yuntong-chat.mjs")
        assert sdk["ContentType"].startswith("text/javascript") and sdk["CacheControl"] == "no-cache"
        assert s3.get_object(Bucket="site", Key="index.html")["ContentType"].startswith("text/html")
        served = json.loads(s3.get_object(Bucket="site", Key="config.json")["Body"].read())
    assert served["userSigURL"] == "https://b.example/sig" and served["stage"] == "aws"
    assert "/dev/" not in json.dumps(served)
