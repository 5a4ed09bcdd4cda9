import io
import json
import logging
from typing import Any

from chalicelib import logs


def _lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_every_line_is_one_json_object_with_the_given_fields():
    stream = io.StringIO()
    logs.configure("INFO", stream)
    logs.event(logging.getLogger("yuntong.test"), logging.INFO, "hello", sdkappid=1400000001, code=0)
    (line,) = _lines(stream)
    assert line["msg"] == "hello" and line["level"] == "INFO" and line["logger"] == "yuntong.test"
    assert line["sdkappid"] == 1400000001 and line["code"] == 0


def test_sensitive_fields_are_redacted_at_any_depth():
    stream = io.StringIO()
    logs.configure("DEBUG", stream)
    logs.event(
        logging.getLogger("yuntong.test"),
        logging.INFO,
        "oops",
        usersig="eJyrVkrxCYXYAAAA",
        request={"MsgBody": [{"MsgContent": {"Text": "secret words"}}], "To_Account": "bob"},
    )
    raw = stream.getvalue()
    assert "eJyrVkrxCYXYAAAA" not in raw and "secret words" not in raw
    (line,) = _lines(stream)
    assert line["request"]["To_Account"] == "bob" and line["request"]["MsgBody"] == logs.REDACTED


def test_the_stage_level_filters_lines_without_an_app():
    stream = io.StringIO()
    logs.configure("WARNING", stream)
    log = logging.getLogger("yuntong.test")
    log.info("dropped")
    log.warning("kept")
    assert [line["msg"] for line in _lines(stream)] == ["kept"]


def test_an_apps_level_overrides_the_stage_level_for_its_lines():
    stream = io.StringIO()
    logs.configure("WARNING", stream)
    log = logging.getLogger("yuntong.test")
    logs.event(log, logging.DEBUG, "debugged app", app_log_level="DEBUG")
    logs.event(log, logging.INFO, "default app", app_log_level="")  # "" = the stage's level
    logs.event(log, logging.WARNING, "quiet app", app_log_level="ERROR")
    assert [line["msg"] for line in _lines(stream)] == ["debugged app"]


def test_lines_carry_the_lambda_request_id_and_the_cold_start_flag_of_their_invocation():
    import io
    import json
    import logging
    from types import SimpleNamespace

    from chalicelib import logs

    stream = io.StringIO()
    logs.configure("INFO", stream)
    log = logging.getLogger("yuntong.test_invocation")
    logs._cold.pending = True
    logs.bind_invocation(SimpleNamespace(lambda_context=SimpleNamespace(aws_request_id="req-1")))
    log.info("first")
    logs.bind_invocation(SimpleNamespace(context=SimpleNamespace(aws_request_id="req-2")))  # an SQS/scheduled event
    log.info("second")
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert (first["request_id"], first["cold_start"]) == ("req-1", True)
    assert (second["request_id"], second["cold_start"]) == ("req-2", False)
