"""Operations resources merged into the packaged template: dead-letter queue, log groups, alarms, dashboard.

Everything here is generated from what `chalice package` emitted (the raw template), so a new handler gets its log
group, its alarms and its dashboard line without anyone editing this file.

- Parameters: `LogRetentionDays` (30 by default), `Tracing` (`PassThrough` or `Active`: X-Ray), `AlarmEmail`
  (optional: subscribed to the `AlarmTopic` every alarm notifies).
- Log groups `/aws/lambda/<function>` with that retention, one per function (the role may only write to them).
- Alarms: each function's Errors and Throttles; the REST API's 5XXError; the websocket API's integration errors;
  each table's read/write throttle events and system errors; any message in the dead-letter queue; the fan-out
  queue's oldest message older than `FANOUT_AGE_ALARM_S`.
- A CloudWatch dashboard `<stack>-ops` with the same metrics.

Both deploy paths use it: the packaged template names functions and the websocket API by their logical ids
(`${APIHandler}`), the `chalice deploy` path's infra stack (deploy/infra.py) by the names Chalice gives them.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from chalicelib.config import DLQ_SUFFIX, FANOUT_QUEUE, MAX_RECEIVES

DLQ_RETENTION_S = 14 * 24 * 3600  # SQS's maximum: two weeks to notice, fix and redrive
FANOUT_AGE_ALARM_S = 300  # fan-out is meant to take seconds; five minutes behind means the consumer is failing
RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288)
# DynamoDB reports SystemErrors per operation (no table-wide metric): the operations the code uses.
DDB_OPERATIONS = ("GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "BatchGetItem", "BatchWriteItem")


def parameters() -> dict[str, Any]:
    return {
        "LogRetentionDays": {
            "Type": "Number",
            "Default": 30,
            "AllowedValues": list(RETENTION_DAYS),
            "Description": "days CloudWatch Logs keeps each function's logs",
        },
        "Tracing": {
            "Type": "String",
            "Default": "PassThrough",
            "AllowedValues": ["PassThrough", "Active"],
            "Description": "Active: X-Ray traces every invocation",
        },
        "AlarmEmail": {
            "Type": "String",
            "Default": "",
            "Description": "optional: an address subscribed to the alarm topic (confirm the mail AWS sends)",
        },
    }


def queues(consumer_timeout: int, name: str = FANOUT_QUEUE) -> dict[str, Any]:
    """The fan-out queue `name` (the stage's: chalicelib/config.py) with its redrive policy, and its dead-letter
    queue `name-dlq`."""
    return {
        "FanoutDeadLetterQueue": {
            "Type": "AWS::SQS::Queue",
            "Properties": {"QueueName": name + DLQ_SUFFIX, "MessageRetentionPeriod": DLQ_RETENTION_S},
        },
        "FanoutQueue": {
            "Type": "AWS::SQS::Queue",
            # AWS requires the visibility timeout to be at least the consumer's timeout; 6x is its advice.
            "Properties": {
                "QueueName": name,
                "VisibilityTimeout": 6 * consumer_timeout,
                "RedrivePolicy": {
                    "deadLetterTargetArn": {"Fn::GetAtt": ["FanoutDeadLetterQueue", "Arn"]},
                    "maxReceiveCount": MAX_RECEIVES,
                },
            },
        },
    }


def _alarm(description: str, namespace: str, metric: str, dimensions: dict[str, Any], **extra: Any) -> dict[str, Any]:
    props: dict[str, Any] = {
        "AlarmDescription": description,
        "Namespace": namespace,
        "MetricName": metric,
        "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions.items()],
        "Statistic": "Sum",
        "Period": 60,
        "EvaluationPeriods": 1,
        "Threshold": 0,
        "ComparisonOperator": "GreaterThanThreshold",
        "TreatMissingData": "notBreaching",
        "AlarmActions": [{"Ref": "AlarmTopic"}],
        "OKActions": [{"Ref": "AlarmTopic"}],
    }
    props.update(extra)
    return {"Type": "AWS::CloudWatch::Alarm", "Properties": props}


def _ddb_system_errors(table_id: str) -> dict[str, Any]:
    metrics: list[dict[str, Any]] = [
        {
            "Id": f"op{i}",
            "ReturnData": False,
            "MetricStat": {
                "Metric": {
                    "Namespace": "AWS/DynamoDB",
                    "MetricName": "SystemErrors",
                    "Dimensions": [
                        {"Name": "TableName", "Value": {"Ref": table_id}},
                        {"Name": "Operation", "Value": op},
                    ],
                },
                "Period": 60,
                "Stat": "Sum",
            },
        }
        for i, op in enumerate(DDB_OPERATIONS)
    ]
    ids = ",".join(m["Id"] for m in metrics)
    metrics.append({"Id": "total", "Expression": f"SUM([{ids}])", "ReturnData": True, "Label": "SystemErrors"})
    return {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "AlarmDescription": f"DynamoDB system errors on {table_id}",
            "Metrics": metrics,
            "EvaluationPeriods": 1,
            "Threshold": 0,
            "ComparisonOperator": "GreaterThanThreshold",
            "TreatMissingData": "notBreaching",
            "AlarmActions": [{"Ref": "AlarmTopic"}],
        },
    }


def _value(sub: str) -> Any:
    """A name as a template value: Fn::Sub when it refers to a resource (`${APIHandler}`), else the literal."""
    return {"Fn::Sub": sub} if "${" in sub else sub


def _named(functions: Sequence[str] | Mapping[str, str]) -> dict[str, str]:
    """Logical id → the function's name as Fn::Sub text: a list holds logical ids of functions in the same template
    (`${Id}`), a mapping gives each logical id a function deployed elsewhere (`chalice deploy`) by its name."""
    if isinstance(functions, Mapping):
        return dict(functions)
    return {fn: f"${{{fn}}}" for fn in functions}


def resources(
    functions: Sequence[str] | Mapping[str, str],
    table_ids: list[str],
    *,
    rest_api: bool,
    websocket_api: bool | str,
    queue: bool,
    app_name: str = "yuntong",
    rest_stage: str = "api",
    skip_log_groups: Collection[str] = (),
) -> dict[str, Any]:
    """Alarm topic, log groups, alarms and dashboard. `websocket_api`: True for the template's `WebsocketAPI`, or
    the id of one deployed elsewhere; `skip_log_groups`: logical ids whose log group exists outside the stack."""
    names = _named(functions)
    ws_api = "${WebsocketAPI}" if websocket_api is True else str(websocket_api or "")
    out: dict[str, Any] = {
        "AlarmTopic": {"Type": "AWS::SNS::Topic", "Properties": {}},
        "AlarmEmailSubscription": {
            "Type": "AWS::SNS::Subscription",
            "Condition": "HasAlarmEmail",
            "Properties": {"TopicArn": {"Ref": "AlarmTopic"}, "Protocol": "email", "Endpoint": {"Ref": "AlarmEmail"}},
        },
    }
    for fn, name in names.items():
        if fn not in skip_log_groups:
            out[f"{fn}LogGroup"] = {
                "Type": "AWS::Logs::LogGroup",
                "DeletionPolicy": "Delete",
                "UpdateReplacePolicy": "Delete",
                "Properties": {
                    "LogGroupName": _value(f"/aws/lambda/{name}"),
                    "RetentionInDays": {"Ref": "LogRetentionDays"},
                },
            }
        dims: dict[str, Any] = {"FunctionName": {"Ref": fn} if name == f"${{{fn}}}" else _value(name)}
        out[f"{fn}ErrorsAlarm"] = _alarm(f"{fn}: invocations that failed", "AWS/Lambda", "Errors", dims)
        out[f"{fn}ThrottlesAlarm"] = _alarm(f"{fn}: invocations throttled", "AWS/Lambda", "Throttles", dims)
    if rest_api:
        # API Gateway reports REST metrics by API name, which chalice sets to the app name
        rest_dims: dict[str, Any] = {"ApiName": app_name, "Stage": rest_stage}
        out["RestApi5xxAlarm"] = _alarm("REST API answered 5xx", "AWS/ApiGateway", "5XXError", rest_dims)
    if ws_api:
        ws_dims = {"ApiId": {"Ref": "WebsocketAPI"} if websocket_api is True else ws_api}
        out["WebsocketErrorsAlarm"] = _alarm(
            "websocket API integration errors", "AWS/ApiGateway", "IntegrationError", ws_dims
        )
    for table_id in table_ids:
        dims = {"TableName": {"Ref": table_id}}
        out[f"{table_id}ReadThrottlesAlarm"] = _alarm(
            f"{table_id}: reads throttled", "AWS/DynamoDB", "ReadThrottleEvents", dims
        )
        out[f"{table_id}WriteThrottlesAlarm"] = _alarm(
            f"{table_id}: writes throttled", "AWS/DynamoDB", "WriteThrottleEvents", dims
        )
        out[f"{table_id}SystemErrorsAlarm"] = _ddb_system_errors(table_id)
    if queue:
        out["DeadLettersAlarm"] = _alarm(
            "tasks in the dead-letter queue: `yuntong dlq list`, fix the cause, `yuntong dlq redrive`",
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
            {"QueueName": {"Fn::GetAtt": ["FanoutDeadLetterQueue", "QueueName"]}},
            Statistic="Maximum",
        )
        out["FanoutAgeAlarm"] = _alarm(
            f"fan-out queue's oldest task older than {FANOUT_AGE_ALARM_S} s",
            "AWS/SQS",
            "ApproximateAgeOfOldestMessage",
            {"QueueName": {"Fn::GetAtt": ["FanoutQueue", "QueueName"]}},
            Statistic="Maximum",
            Threshold=FANOUT_AGE_ALARM_S,
            EvaluationPeriods=3,
        )
    out["Dashboard"] = dashboard(names, table_ids, rest_api=rest_api, queue=queue, app_name=app_name, websocket=ws_api)
    return out


def dashboard(
    functions: Sequence[str] | Mapping[str, str],
    table_ids: list[str],
    *,
    rest_api: bool,
    queue: bool,
    app_name: str = "yuntong",
    websocket: str = "",
) -> dict[str, Any]:
    """One dashboard; its body is a Fn::Sub string so that function, table and queue names resolve at deploy."""
    names = list(_named(functions).values())

    def widget(title: str, metrics: list[list[Any]], stat: str = "Sum") -> dict[str, Any]:
        return {
            "type": "metric",
            "width": 12,
            "height": 6,
            "properties": {"title": title, "metrics": metrics, "stat": stat, "period": 60, "region": "${AWS::Region}"},
        }

    widgets = [
        widget("Lambda errors", [["AWS/Lambda", "Errors", "FunctionName", fn] for fn in names]),
        widget("Lambda throttles", [["AWS/Lambda", "Throttles", "FunctionName", fn] for fn in names]),
        widget("Lambda duration p99", [["AWS/Lambda", "Duration", "FunctionName", fn] for fn in names], stat="p99"),
        widget(
            "DynamoDB throttles",
            [
                ["AWS/DynamoDB", m, "TableName", f"${{{t}}}"]
                for t in table_ids
                for m in ("ReadThrottleEvents", "WriteThrottleEvents")
            ],
        ),
    ]
    if rest_api:
        rest = [["AWS/ApiGateway", m, "ApiName", app_name] for m in ("4XXError", "5XXError")]
        widgets.append(widget("REST 4xx/5xx", rest))
    if websocket:
        ws = [["AWS/ApiGateway", m, "ApiId", websocket] for m in ("IntegrationError", "ClientError", "ExecutionError")]
        widgets.append(widget("Websocket errors", ws))
    if queue:
        widgets.append(
            widget(
                "Fan-out queue: oldest task (s), dead letters",
                [
                    ["AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", "${FanoutQueue.QueueName}"],
                    [
                        "AWS/SQS",
                        "ApproximateNumberOfMessagesVisible",
                        "QueueName",
                        "${FanoutDeadLetterQueue.QueueName}",
                    ],
                ],
                stat="Maximum",
            )
        )
    body = json.dumps({"widgets": widgets})
    return {
        "Type": "AWS::CloudWatch::Dashboard",
        "Properties": {"DashboardName": {"Fn::Sub": "${AWS::StackName}-ops"}, "DashboardBody": {"Fn::Sub": body}},
    }


def conditions() -> dict[str, Any]:
    return {"HasAlarmEmail": {"Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmEmail"}, ""]}]}}
