"""Message bodies (MsgBody): the eight TIM element types, validated field by field, order kept, size limited."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from chalicelib.domain import errors

TEXT, FACE, LOCATION, CUSTOM = "TIMTextElem", "TIMFaceElem", "TIMLocationElem", "TIMCustomElem"
SOUND, IMAGE, FILE, VIDEO = "TIMSoundElem", "TIMImageElem", "TIMFileElem", "TIMVideoFileElem"
IMAGE_FORMATS = (1, 2, 3, 4, 255)
IMAGE_INFO_TYPES = (1, 2, 3)
DOWNLOAD_FLAG = 2

# field → (kind, required); kinds: str, int, num, flag (int that must be 2)
_FIELDS: dict[str, dict[str, tuple[str, bool]]] = {
    TEXT: {"Text": ("str", True)},
    FACE: {"Index": ("int", True), "Data": ("str", True)},
    LOCATION: {"Desc": ("str", True), "Latitude": ("num", True), "Longitude": ("num", True)},
    CUSTOM: {"Data": ("str", True), "Desc": ("str", False), "Ext": ("str", False), "Sound": ("str", False)},
    SOUND: {
        "Url": ("str", True),
        "UUID": ("str", True),
        "Size": ("int", False),
        "Second": ("int", False),
        "Download_Flag": ("flag", True),
    },
    IMAGE: {"UUID": ("str", True), "ImageFormat": ("int", True)},
    FILE: {
        "Url": ("str", False),
        "UUID": ("str", False),
        "FileName": ("str", True),
        "FileSize": ("int", True),
        "Download_Flag": ("flag", False),
    },
    VIDEO: {
        "VideoUrl": ("str", True),
        "VideoUUID": ("str", False),
        "VideoSize": ("int", False),
        "VideoSecond": ("int", False),
        "VideoFormat": ("str", False),
        "VideoDownloadFlag": ("flag", False),
        "ThumbUrl": ("str", False),
        "ThumbUUID": ("str", False),
        "ThumbSize": ("int", False),
        "ThumbWidth": ("int", False),
        "ThumbHeight": ("int", False),
        "ThumbFormat": ("str", False),
        "ThumbDownloadFlag": ("flag", False),
    },
}
ELEMENT_TYPES: tuple[str, ...] = tuple(_FIELDS)


@dataclass(frozen=True)
class BodyCodes:
    """Error codes differ by service: C2C (openim) vs group (group_open_http_svc). C2C tells a malformed body
    (empty, an element that is not `{MsgType, MsgContent}`, an unknown MsgType: 90002) from an element whose
    MsgContent breaks its type's description (a missing or mistyped field: 90010)."""

    not_array: int = 90007
    bad_element: int = 90002
    bad_content: int = 90010


C2C_CODES = BodyCodes()
GROUP_CODES = BodyCodes(not_array=10004, bad_element=10004, bad_content=10004)


def _check_kind(kind: str, value: Any) -> bool:
    if kind == "str":
        return isinstance(value, str)
    if kind in ("int", "flag"):
        ok = isinstance(value, int) and not isinstance(value, bool)
        return ok and (kind == "int" or value == DOWNLOAD_FLAG)
    return isinstance(value, int | float) and not isinstance(value, bool)


def _extra_rules(msg_type: str, content: Mapping[str, Any], fail: Callable[[str], errors.DomainError]) -> None:
    if msg_type == LOCATION:
        if not -90 <= content["Latitude"] <= 90 or not -180 <= content["Longitude"] <= 180:
            raise fail("Latitude must be within ±90 and Longitude within ±180")
    elif msg_type == IMAGE:
        if content["ImageFormat"] not in IMAGE_FORMATS:
            raise fail(f"ImageFormat must be one of {IMAGE_FORMATS}")
        infos = content.get("ImageInfoArray", [])
        if not isinstance(infos, list):
            raise fail("ImageInfoArray must be an array")
        for info in infos:
            if not isinstance(info, dict) or info.get("Type") not in IMAGE_INFO_TYPES:
                raise fail("ImageInfoArray items need Type 1 (original), 2 (large) or 3 (thumbnail)")
            for key in ("Size", "Width", "Height"):
                if key in info and not _check_kind("int", info[key]):
                    raise fail(f"ImageInfoArray {key} must be an integer")
            if "URL" in info and not isinstance(info["URL"], str):
                raise fail("ImageInfoArray URL must be a string")
    elif msg_type == FILE and not (content.get("Url") or content.get("UUID")):
        raise fail("TIMFileElem needs Url or UUID")


def parse_body(value: Any, *, max_bytes: int, codes: BodyCodes = C2C_CODES) -> list[dict[str, Any]]:
    """Validate MsgBody; returns the elements (in order) as {"MsgType", "MsgContent"} dicts.

    Raises `codes.not_array` (not an array), `codes.bad_element` (empty, not an element, unknown type),
    `codes.bad_content` (a field of MsgContent) or 80002 (too big).
    """
    if not isinstance(value, list):
        raise errors.error(codes.not_array, "MsgBody must be an array of message elements")
    if not value:
        raise errors.error(codes.bad_element, "MsgBody must hold at least one element (empty messages are refused)")
    out: list[dict[str, Any]] = []
    for i, elem in enumerate(value):

        def fail(why: str, i: int = i, code: int = codes.bad_element) -> errors.DomainError:
            return errors.error(code, f"MsgBody[{i}]: {why}")

        def bad_field(why: str, i: int = i) -> errors.DomainError:
            return fail(why, i, codes.bad_content)

        if not isinstance(elem, dict):
            raise fail("each element must be an object with MsgType and MsgContent")
        msg_type, content = elem.get("MsgType"), elem.get("MsgContent")
        if not isinstance(msg_type, str) or msg_type not in _FIELDS:
            raise fail(f"MsgType must be one of {', '.join(ELEMENT_TYPES)}")
        if not isinstance(content, dict):
            raise fail("MsgContent must be an object")
        for name, (kind, required) in _FIELDS[msg_type].items():
            if name not in content or content[name] is None:
                if required:
                    raise bad_field(f"{msg_type} needs {name}")
                continue
            if not _check_kind(kind, content[name]):
                want = {"str": "a string", "int": "an integer", "num": "a number", "flag": "2"}[kind]
                raise bad_field(f"{msg_type}.{name} must be {want}")
        _extra_rules(msg_type, content, bad_field)
        out.append({"MsgType": msg_type, "MsgContent": dict(content)})
    size = body_size(out)
    if size > max_bytes:
        raise errors.MessageTooLong(f"MsgBody is {size} bytes; the app's limit is {max_bytes} bytes")
    return out


def body_size(body: Any) -> int:
    """Bytes of the body as UTF-8 JSON: the measure of the app's message size limit."""
    return len(json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def texts(body: list[dict[str, Any]]) -> list[str]:
    """The strings dirty words are checked in: TIMTextElem only (not TIMCustomElem), per the reference."""
    return [e["MsgContent"]["Text"] for e in body if e["MsgType"] == TEXT]
