import pytest

from chalicelib.domain import errors
from chalicelib.domain.dirtywords import DEFAULT_WORDS, Matcher
from chalicelib.domain.messages import GROUP_CODES, parse_body, texts

TEXT = {"MsgType": "TIMTextElem", "MsgContent": {"Text": "hi"}}


def _code(fn):
    with pytest.raises(errors.DomainError) as exc:
        fn()
    return exc.value.error_code


def test_all_eight_element_types_pass_and_keep_their_order():
    body = [
        TEXT,
        {"MsgType": "TIMFaceElem", "MsgContent": {"Index": 2, "Data": "smile"}},
        {"MsgType": "TIMLocationElem", "MsgContent": {"Desc": "x", "Latitude": 22.5, "Longitude": 113.9}},
        {"MsgType": "TIMCustomElem", "MsgContent": {"Data": "{}", "Desc": "d"}},
        {
            "MsgType": "TIMSoundElem",
            "MsgContent": {"Url": "u", "UUID": "1", "Size": 9, "Second": 1, "Download_Flag": 2},
        },
        {
            "MsgType": "TIMImageElem",
            "MsgContent": {
                "UUID": "i",
                "ImageFormat": 1,
                "ImageInfoArray": [{"Type": 1, "Size": 1, "Width": 1, "Height": 1, "URL": "http://x"}],
            },
        },
        {"MsgType": "TIMFileElem", "MsgContent": {"Url": "u", "FileName": "f", "FileSize": 3, "Download_Flag": 2}},
        {"MsgType": "TIMVideoFileElem", "MsgContent": {"VideoUrl": "v", "ThumbUrl": "t", "VideoSecond": 3}},
    ]
    assert [e["MsgType"] for e in parse_body(body, max_bytes=9216)] == [e["MsgType"] for e in body]


@pytest.mark.parametrize(
    "body,code",
    [
        ("x", 90007),
        ([], 90002),
        ([{"MsgType": "TIMNope", "MsgContent": {}}], 90002),
        ([{"MsgType": "TIMTextElem", "MsgContent": {"Text": 5}}], 90010),
        ([{"MsgType": "TIMTextElem"}], 90002),
        (["TIMTextElem"], 90002),
        ([{"MsgType": "TIMTextElem", "MsgContent": {}}], 90010),
        ([{"MsgType": "TIMFileElem", "MsgContent": {"FileName": "f", "FileSize": 1}}], 90010),
        ([{"MsgType": "TIMSoundElem", "MsgContent": {"Url": "u", "UUID": "1", "Download_Flag": 1}}], 90010),
        ([{"MsgType": "TIMLocationElem", "MsgContent": {"Desc": "x", "Latitude": 91, "Longitude": 0}}], 90010),
        ([{"MsgType": "TIMImageElem", "MsgContent": {"UUID": "i", "ImageFormat": 7}}], 90010),
        ([{"MsgType": "TIMFaceElem", "MsgContent": {"Index": True, "Data": "x"}}], 90010),
        ([{"MsgType": "TIMTextElem", "MsgContent": {"Text": "a" * 9300}}], 80002),
    ],
)
def test_bad_bodies_get_their_codes(body, code):
    assert _code(lambda: parse_body(body, max_bytes=9216)) == code


def test_group_bodies_use_group_codes():
    assert _code(lambda: parse_body("x", max_bytes=100, codes=GROUP_CODES)) == 10004
    bad_field = [{"MsgType": "TIMTextElem", "MsgContent": {"Text": 5}}]
    assert _code(lambda: parse_body(bad_field, max_bytes=100, codes=GROUP_CODES)) == 10004


def test_dirty_words_are_checked_in_text_elements_only():
    body = parse_body([TEXT, {"MsgType": "TIMCustomElem", "MsgContent": {"Data": "shit"}}], max_bytes=9216)
    assert texts(body) == ["hi"]


def test_matcher_finds_latin_words_whole_chinese_anywhere_case_insensitively_and_scales():
    m = Matcher(["he", "she", "hers", "傻逼", "他妈的", "妈的x"])
    assert m.find("u SHE rs") == "she" and m.find("HERS!") == "hers"
    assert m.find("uSHErs") is None and m.find("these") is None  # Latin words match whole words only
    assert m.find("你是傻逼吗") == "傻逼" and m.find("去他妈的") == "他妈的"
    assert m.find("妈的X") == "妈的x" and m.find("妈的xy") is None
    assert m.find("nothing to see") is None
    big = Matcher([f"w{i:05d}x" for i in range(5000)] + list(DEFAULT_WORDS))
    assert big.find("clean text " * 100) is None
    assert big.find("... W04999X ...") == "w04999x"
