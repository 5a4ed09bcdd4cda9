"""The SNS adapter (chalicelib/push/sns.py) on moto: platform applications, endpoints, publishing, disabled
endpoints, webhook topics; and the IAM guard sees every SNS action it uses."""

from __future__ import annotations

import json
import uuid

import boto3
import pytest

from chalicelib.push.sns import DISABLED, INVALID, SENT, SnsPush, resource_name
from deploy.template import SNS_ACTIONS
from tests import iam_guard


@pytest.fixture
def sns(aws):
    return SnsPush("us-east-1", "test")


def _client():
    return boto3.client("sns", region_name="us-east-1")


def test_resources_are_named_under_the_stage_prefix_the_policy_grants():
    assert resource_name("yuntong-prod", 1400000001, "APNS_SANDBOX") == "yuntong-prod-1400000001-apns-sandbox"


def test_configure_creates_then_updates_the_platform_application(sns):
    arn = sns.configure(1400000001, "APNS", "", "key-1", "cert")
    assert ":app/APNS/test-1400000001-apns" in arn
    assert sns.configure(1400000001, "APNS", arn, "key-2", "") == arn
    attrs = _client().get_platform_application_attributes(PlatformApplicationArn=arn)["Attributes"]
    assert attrs["PlatformCredential"] == "key-2"
    fcm = sns.configure(1400000001, "FCM", "", "fcm-key", "")
    assert ":app/GCM/" in fcm


def test_publish_reaches_an_endpoint_and_reports_disabled_and_missing_ones(sns):
    app = sns.configure(1400000002, "FCM", "", "k", "")
    token = uuid.uuid4().hex
    endpoint = sns.create_endpoint(app, token, "1400000002:alice")
    assert sns.publish(endpoint, json.dumps({"default": "", "GCM": "{}"})) == SENT
    _client().set_endpoint_attributes(EndpointArn=endpoint, Attributes={"Enabled": "false"})
    assert sns.publish(endpoint, json.dumps({"default": "", "GCM": "{}"})) == DISABLED
    again = sns.create_endpoint(app, token, "1400000002:bob")  # re-registering makes a fresh, enabled endpoint
    assert sns.publish(again, json.dumps({"default": "", "GCM": "{}"})) == SENT
    _client().set_endpoint_attributes(EndpointArn=again, Attributes={"Enabled": "false"})
    same = sns.create_endpoint(app, token, "1400000002:bob")  # same attributes: SNS would hand back the dead one
    assert same != again and sns.publish(same, json.dumps({"default": "", "GCM": "{}"})) == SENT
    again = same
    sns.delete_endpoint(again)
    assert sns.publish(again, json.dumps({"default": "", "GCM": "{}"})) == INVALID


def test_a_webhook_is_a_topic_the_gateway_subscribes_to(sns):
    topic = sns.configure(1400000003, "WEBHOOK", "", "https://gateway.example/push", "")
    subs = _client().list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    assert [(s["Protocol"], s["Endpoint"]) for s in subs] == [("https", "https://gateway.example/push")]
    _client().unsubscribe(SubscriptionArn=subs[0]["SubscriptionArn"])  # moto would really post to the gateway
    assert sns.publish(topic, json.dumps({"token": "t"}), raw=True) == SENT


def test_the_iam_guard_records_every_sns_action_the_adapter_used(sns):
    app = sns.configure(1400000004, "APNS", "", "k", "")
    sns.publish(sns.create_endpoint(app, uuid.uuid4().hex, ""), json.dumps({"default": "", "APNS": "{}"}))
    used = set(iam_guard._sns_used)
    assert {"CreatePlatformApplication", "CreatePlatformEndpoint", "Publish"} <= used
    assert used <= set(SNS_ACTIONS)
