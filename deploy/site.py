"""The web app on AWS: a private S3 bucket served over HTTPS by CloudFront, and the files `make package` puts in it.

- `resources()` / `outputs()` are merged into the stage's template (deploy/template.py): the bucket (no public
  access; only the distribution may read it, through an origin access control), the distribution, and the outputs
  `SiteURL` (https://….cloudfront.net/) and `SiteBucketName`.
- `build(out)` copies web/ and the SDK bundle into `out` (`build/package/site/`), laid out as the local stack serves
  them (`/`, `/sdk/yuntong-chat.mjs`); `config.json` is written at upload time, when the endpoints are known.
- `python -m deploy.site upload --stack yuntong-prod --sdkappid N --usersig-url URL` writes config.json from the
  stack's outputs and uploads the files (content types set). No `/dev/usersig` exists on AWS: a deployed page asks
  the app backend at `--usersig-url` for its UserSigs (see README "Web app and console").
"""

from __future__ import annotations

import argparse
import json
import mimetypes
import shutil
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
WEB_DIR = ROOT / "web"
SDK_BUNDLE = ROOT / "sdk" / "js" / "dist" / "yuntong-chat.mjs"
SDK_TARGET = Path("sdk") / "yuntong-chat.mjs"
# AWS's managed cache policy "CachingOptimized".
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
TYPES = {".mjs": "text/javascript", ".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}


def resources() -> dict[str, Any]:
    return {
        "SiteBucket": {
            "Type": "AWS::S3::Bucket",
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": {
                "PublicAccessBlockConfiguration": {
                    "BlockPublicAcls": True,
                    "BlockPublicPolicy": True,
                    "IgnorePublicAcls": True,
                    "RestrictPublicBuckets": True,
                },
                "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
                "BucketEncryption": {
                    "ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
                },
            },
        },
        "SiteOriginAccessControl": {
            "Type": "AWS::CloudFront::OriginAccessControl",
            "Properties": {
                "OriginAccessControlConfig": {
                    "Name": {"Fn::Sub": "${AWS::StackName}-site"},
                    "OriginAccessControlOriginType": "s3",
                    "SigningBehavior": "always",
                    "SigningProtocol": "sigv4",
                }
            },
        },
        "SiteDistribution": {
            "Type": "AWS::CloudFront::Distribution",
            "Properties": {
                "DistributionConfig": {
                    "Enabled": True,
                    "Comment": {"Fn::Sub": "${AWS::StackName} web app"},
                    "DefaultRootObject": "index.html",
                    "HttpVersion": "http2",
                    "PriceClass": "PriceClass_100",
                    "Origins": [
                        {
                            "Id": "site",
                            "DomainName": {"Fn::GetAtt": ["SiteBucket", "RegionalDomainName"]},
                            "OriginAccessControlId": {"Fn::GetAtt": ["SiteOriginAccessControl", "Id"]},
                            "S3OriginConfig": {"OriginAccessIdentity": ""},
                        }
                    ],
                    "DefaultCacheBehavior": {
                        "TargetOriginId": "site",
                        "ViewerProtocolPolicy": "redirect-to-https",
                        "AllowedMethods": ["GET", "HEAD"],
                        "CachedMethods": ["GET", "HEAD"],
                        "Compress": True,
                        "CachePolicyId": CACHING_OPTIMIZED,
                    },
                }
            },
        },
        "SiteBucketPolicy": {
            "Type": "AWS::S3::BucketPolicy",
            "Properties": {
                "Bucket": {"Ref": "SiteBucket"},
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "CloudFrontReadsTheSite",
                            "Effect": "Allow",
                            "Principal": {"Service": "cloudfront.amazonaws.com"},
                            "Action": "s3:GetObject",
                            "Resource": {"Fn::Sub": "${SiteBucket.Arn}/*"},
                            "Condition": {
                                "StringEquals": {
                                    "AWS:SourceArn": {
                                        "Fn::Sub": "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:"
                                        "distribution/${SiteDistribution}"
                                    }
                                }
                            },
                        }
                    ],
                },
            },
        },
    }


def outputs() -> dict[str, Any]:
    return {
        "SiteURL": {"Value": {"Fn::Sub": "https://${SiteDistribution.DomainName}/"}},
        "SiteBucketName": {"Value": {"Ref": "SiteBucket"}},
    }


def build(out: Path, web_dir: Path = WEB_DIR, sdk_bundle: Path = SDK_BUNDLE) -> list[Path]:
    """Copy the site into `out` (emptied first); returns the files, relative to `out`. Without a built SDK the
    site is incomplete: raise, so a deploy never ships a page that cannot log in."""
    if not sdk_bundle.is_file():
        raise FileNotFoundError(f"{sdk_bundle} is missing: run `make sdk` first")
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(web_dir, out, ignore=shutil.ignore_patterns(".*", "config.json"))
    (out / SDK_TARGET).parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(sdk_bundle, out / SDK_TARGET)
    return sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())


def content_type(path: Path) -> str:
    kind = TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"{kind}; charset=utf-8" if kind.startswith("text/") or kind.endswith(("javascript", "json")) else kind


def page_config(sdkappid: int, ws_url: str, usersig_url: str, admin: str = "administrator") -> dict[str, Any]:
    """The page's config.json on a deployed stage: no dev endpoint, UserSigs from the app backend."""
    return {"SDKAppID": sdkappid, "serverURL": ws_url, "admin": admin, "stage": "aws", "userSigURL": usersig_url}


def upload(s3: Any, bucket: str, site_dir: Path, config: dict[str, Any]) -> list[str]:
    """Put every file of the built site and config.json in the bucket; returns the keys written."""
    keys = []
    for path in sorted(p for p in site_dir.rglob("*") if p.is_file()):
        key = path.relative_to(site_dir).as_posix()
        # no-cache: CloudFront revalidates with the bucket, so a new upload shows without an invalidation
        s3.put_object(
            Bucket=bucket, Key=key, Body=path.read_bytes(), ContentType=content_type(path), CacheControl="no-cache"
        )
        keys.append(key)
    body = json.dumps(config, indent=2).encode("utf-8")
    json_type = "application/json; charset=utf-8"
    s3.put_object(Bucket=bucket, Key="config.json", Body=body, ContentType=json_type, CacheControl="no-cache")
    return [*keys, "config.json"]


def stack_outputs(cloudformation: Any, stack: str) -> dict[str, str]:
    described = cloudformation.describe_stacks(StackName=stack)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.site", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    build_cmd = sub.add_parser("build", help="copy web/ and the SDK into a folder")
    build_cmd.add_argument("--out", type=Path, default=ROOT / "build" / "package" / "site")
    up = sub.add_parser("upload", help="write config.json from the stack's outputs and upload the site")
    up.add_argument("--stack", required=True, help="the deployed CloudFormation stack, e.g. yuntong-prod")
    up.add_argument("--sdkappid", type=int, required=True)
    up.add_argument("--usersig-url", required=True, help="your app backend's URL that returns UserSigs")
    up.add_argument("--admin", default="administrator", help="the app admin identifier (shows the Operator tab)")
    up.add_argument("--site", type=Path, default=ROOT / "build" / "package" / "site")
    up.add_argument("--region")
    args = parser.parse_args(argv)
    if args.what == "build":
        files = build(args.out)
        print(f"site:     {args.out}  ({len(files)} files)")
        return 0
    import boto3

    found = stack_outputs(boto3.client("cloudformation", region_name=args.region), args.stack)
    config = page_config(args.sdkappid, found["WebsocketConnectEndpointURL"], args.usersig_url, args.admin)
    keys = upload(boto3.client("s3", region_name=args.region), found["SiteBucketName"], args.site, config)
    print(f"uploaded {len(keys)} files to s3://{found['SiteBucketName']}; open {found['SiteURL']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
