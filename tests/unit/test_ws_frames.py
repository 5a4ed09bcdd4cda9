"""Reading client frames: what makes a frame dispatchable, and which code answers each defect."""

import json

import pytest

from chalicelib.api.ws import MAX_FRAME_BYTES, FrameError, parse_frame


def test_a_well_formed_frame_yields_req_id_cmd_and_body():
    frame = parse_frame('{"reqId": 7, "cmd": "profile/portrait_get", "body": {"To_Account": ["a"]}}')
    assert (frame.req_id, frame.cmd, frame.body) == (7, "profile/portrait_get", {"To_Account": ["a"]})


def test_a_missing_or_null_body_is_an_empty_object():
    assert parse_frame('{"reqId": 1, "cmd": "realtime/heartbeat"}').body == {}
    assert parse_frame('{"reqId": 1, "cmd": "realtime/heartbeat", "body": null}').body == {}


@pytest.mark.parametrize(
    "raw",
    ["", "not json", "{", "[1, 2]", '"text"', "42", "null", "[" * 50_000],
)
def test_non_json_or_non_object_frames_are_parse_errors_without_req_id(raw):
    with pytest.raises(FrameError) as bad:
        parse_frame(raw)
    assert bad.value.error.error_code == 90001
    assert bad.value.req_id is None


@pytest.mark.parametrize("req_id", [None, "1", 1.5, True, [1], 2**53, -(2**53)])
def test_a_missing_or_non_integer_req_id_is_a_parse_error(req_id):
    doc = {"cmd": "realtime/heartbeat"} if req_id is None else {"reqId": req_id, "cmd": "realtime/heartbeat"}
    with pytest.raises(FrameError) as bad:
        parse_frame(json.dumps(doc))
    assert bad.value.error.error_code == 90001 and bad.value.req_id is None


@pytest.mark.parametrize("cmd", [None, "", 5, ["a/b"]])
def test_a_missing_cmd_is_an_unknown_command_answered_with_the_req_id(cmd):
    doc = {"reqId": 9} if cmd is None else {"reqId": 9, "cmd": cmd}
    with pytest.raises(FrameError) as bad:
        parse_frame(json.dumps(doc))
    assert bad.value.error.error_code == 60009 and bad.value.req_id == 9


def test_frames_over_the_limit_are_refused_before_parsing():
    padding = "x" * MAX_FRAME_BYTES
    with pytest.raises(FrameError) as bad:
        parse_frame(json.dumps({"reqId": 1, "cmd": "realtime/heartbeat", "body": {"pad": padding}}))
    assert bad.value.error.error_code == 93000 and str(MAX_FRAME_BYTES) in bad.value.error.info


def test_the_limit_counts_utf8_bytes_not_characters():
    just_under = "中" * ((MAX_FRAME_BYTES - 100) // 3)
    assert parse_frame(json.dumps({"reqId": 1, "cmd": "a/b", "body": {"t": just_under}}, ensure_ascii=False))
    with pytest.raises(FrameError):
        parse_frame(json.dumps({"reqId": 1, "cmd": "a/b", "body": {"t": just_under * 2}}, ensure_ascii=False))


def test_frames_follow_the_rest_body_rules_for_byte_order_marks_and_nan():
    assert parse_frame('\ufeff{"reqId": 1, "cmd": "a/b"}').req_id == 1
    with pytest.raises(FrameError):
        parse_frame('{"reqId": 1, "cmd": "a/b", "body": {"x": NaN}}')
