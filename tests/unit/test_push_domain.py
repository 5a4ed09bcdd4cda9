import pytest

from chalicelib.domain import errors
from chalicelib.domain.push import ATTR, TAG, Condition, Term, merge_attr_names, parse_condition

NAMES = {"0": "sex", "1": "city"}


def _code(fn, *args) -> int:
    with pytest.raises(errors.DomainError) as caught:
        fn(*args)
    return caught.value.error_code


def test_no_condition_means_everybody():
    assert parse_condition(None, NAMES).everyone
    assert parse_condition({}, NAMES).everyone


def test_tags_and_attributes_are_exclusive():
    assert _code(parse_condition, {"TagsOr": ["a"], "AttrsAnd": {"sex": "f"}}, NAMES) == 90039


def test_tag_limits():
    assert _code(parse_condition, {"TagsOr": ["x" * 51]}, NAMES) == 90020
    assert (
        _code(parse_condition, {"TagsOr": [str(i) for i in range(6)], "TagsAnd": ["a", "b", "c", "d", "e"]}, {})
        == 90032
    )
    assert _code(parse_condition, {"TagsOr": ["a"], "TagsAnd": ["a"]}, NAMES) == 90022
    assert _code(parse_condition, {"TagsOr": [""]}, NAMES) == 90040
    assert _code(parse_condition, {"TagsOr": "a"}, NAMES) == 90001


def test_attributes_must_be_named_by_the_app():
    assert _code(parse_condition, {"AttrsOr": {"age": "3"}}, NAMES) == 90033
    cond = parse_condition({"AttrsAnd": {"sex": "f", "city": "sz"}}, NAMES)
    assert cond.all_of == (Term(ATTR, "0", "f"), Term(ATTR, "1", "sz"))


def test_the_array_form_of_condition_is_merged():
    cond = parse_condition([{"TagsOr": ["a"]}, {"TagsOr": ["b"], "TagsAnd": ["c"]}], NAMES)
    assert cond.any_of == (Term(TAG, "a"), Term(TAG, "b")) and cond.all_of == (Term(TAG, "c"),)


def test_an_or_push_reaches_each_user_once():
    a, b = Term(TAG, "a"), Term(TAG, "b")
    cond = Condition(any_of=(a, b))
    assert cond.sources() == (a, b)
    assert cond.accepts({a, b}, 0) is True
    assert cond.accepts({a, b}, 1) is False  # already reached through "a"
    assert cond.accepts({b}, 1) is True


def test_an_and_push_walks_one_term_and_checks_the_rest():
    a, b, c = Term(TAG, "a"), Term(TAG, "b"), Term(TAG, "c")
    cond = Condition(any_of=(c,), all_of=(a, b))
    assert cond.sources() == (a,)
    assert cond.accepts({a, b, c}, 0) is True
    assert cond.accepts({a, c}, 0) is False
    assert cond.accepts({a, b}, 0) is False  # the OR clause still applies


def test_attribute_names_merge_into_slots_and_stay_unique():
    assert merge_attr_names({"0": "sex"}, {"1": "city"}) == {"0": "sex", "1": "city"}
    assert _code(merge_attr_names, {"0": "sex"}, {"1": "sex"}) == 90033
    assert _code(merge_attr_names, {}, {"10": "x"}) == 90033
    assert _code(merge_attr_names, {}, {"0": "n" * 51}) == 90033
    assert _code(merge_attr_names, {}, []) == 90001


def test_a_condition_survives_the_task_payload():
    cond = parse_condition({"AttrsOr": {"sex": "f"}, "AttrsAnd": {"city": "sz"}}, NAMES)
    assert Condition.from_dict(cond.to_dict()) == cond
