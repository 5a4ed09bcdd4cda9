"""Amazon SNS for offline push: per-app platform applications, device endpoints, publishing.

The only module that talks to SNS. Platform credentials (APNs key or certificate, FCM key) go to SNS when an app's
platform application is created or updated and are never logged nor stored by Yuntong. Publishing translates SNS's
answers into meaning: a disabled endpoint (`EndpointDisabled`: APNs or FCM said the token is dead) or one that no
longer exists (`NotFound`, `InvalidParameter`) is reported so the caller removes the device.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from chalicelib.domain.offline_push import SNS_PLATFORM, WEBHOOK

log = logging.getLogger("yuntong.push.sns")

SENT, DISABLED, INVALID = "sent", "disabled", "invalid"
_EXISTING = re.compile(r"Endpoint (arn:[^ ]+) already exists")


def resource_name(prefix: str, sdkappid: int, platform: str) -> str:
    """`yuntong-prod-1400000001-apns`: the IAM policy grants SNS on `{table prefix}-*` names only."""
    return f"{prefix}-{sdkappid}-{platform.lower().replace('_', '-')}"


class SnsPush:
    def __init__(self, region: str, prefix: str, endpoint: str | None = None) -> None:
        self._region = region
        self._prefix = prefix
        self._endpoint = endpoint
        self._client: Any = None

    def _sns(self) -> Any:
        if self._client is None:  # built lazily: never call AWS (nor load botocore's models) at import time
            import boto3

            self._client = boto3.client("sns", region_name=self._region, endpoint_url=self._endpoint)
        return self._client

    # --- the app's platform applications --------------------------------------------------------------------------
    def configure(self, sdkappid: int, platform: str, current: str, credential: str, principal: str) -> str:
        """Create or update the app's platform application (a webhook: its topic, subscribed by `credential`, the
        gateway's HTTPS URL); returns its ARN."""
        sns = self._sns()
        name = resource_name(self._prefix, sdkappid, platform)
        if platform == WEBHOOK:
            arn = str(sns.create_topic(Name=name)["TopicArn"])
            sns.subscribe(TopicArn=arn, Protocol="https" if credential.startswith("https:") else "http",
                          Endpoint=credential)  # fmt: skip
            return arn
        attributes = {"PlatformCredential": credential}
        if principal:
            attributes["PlatformPrincipal"] = principal
        if current:
            try:
                sns.set_platform_application_attributes(PlatformApplicationArn=current, Attributes=attributes)
                return current
            except sns.exceptions.NotFoundException:
                pass  # deleted behind our back: create it again
        made = sns.create_platform_application(Name=name, Platform=SNS_PLATFORM[platform], Attributes=attributes)
        return str(made["PlatformApplicationArn"])

    # --- device endpoints ------------------------------------------------------------------------------------------
    def create_endpoint(self, application: str, token: str, user_data: str) -> str:
        """A fresh, enabled endpoint for `token` (an existing one for the token is replaced: re-registering a token
        APNs disabled must enable it again, and the account it belongs to may have changed)."""
        sns = self._sns()
        try:
            made = sns.create_platform_endpoint(
                PlatformApplicationArn=application, Token=token, CustomUserData=user_data
            )
            arn = str(made["EndpointArn"])
            # SNS answers an existing endpoint with the same attributes as is, even one APNs got disabled
            attributes = sns.get_endpoint_attributes(EndpointArn=arn)["Attributes"]
            if str(attributes.get("Enabled", "true")).lower() != "false":
                return arn
            sns.delete_endpoint(EndpointArn=arn)
        except sns.exceptions.InvalidParameterException as exc:
            found = _EXISTING.search(str(exc))
            if found is None:
                raise
            sns.delete_endpoint(EndpointArn=found.group(1))
        made = sns.create_platform_endpoint(PlatformApplicationArn=application, Token=token, CustomUserData=user_data)
        return str(made["EndpointArn"])

    def delete_endpoint(self, arn: str) -> None:
        if arn:
            self._sns().delete_endpoint(EndpointArn=arn)

    def publish(self, target: str, message: str, *, raw: bool = False) -> str:
        """SENT, DISABLED (the token is dead: remove the device) or INVALID (no such endpoint: remove it too)."""
        sns = self._sns()
        try:
            if raw:  # a webhook topic: the gateway gets the JSON document itself
                sns.publish(TopicArn=target, Message=message)
            else:
                sns.publish(TargetArn=target, Message=message, MessageStructure="json")
        except sns.exceptions.EndpointDisabledException:
            return DISABLED
        except (sns.exceptions.NotFoundException, sns.exceptions.InvalidParameterException):
            log.warning("SNS refused a push to %s", target)
            return INVALID
        return SENT
