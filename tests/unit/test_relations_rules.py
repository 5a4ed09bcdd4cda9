"""Relationship-chain rules: what friend_add, responses, deletes and blacklisting change, and the check results."""

import pytest

from chalicelib.domain import errors
from chalicelib.domain import relations as rel

NOW = 1_700_000_000
TTL = 30 * 86400


def friend(peer, **kw):
    return rel.Friend(peer, add_source="AddSource_Type_Web", add_time=NOW - 10, **kw)


def request(frm, to, add_type=rel.ADD_BOTH, expires=NOW + 100, **kw):
    return rel.FriendRequest(frm, to, add_type, "AddSource_Type_Web", "hello", "", "", NOW - 100, expires, **kw)


def add(pair, allow=rel.NEED_CONFIRM, add_type=rel.ADD_BOTH, force=False, **item):
    req = rel.AddRequest(pair.peer, "AddSource_Type_Web", **item)
    return rel.plan_add(pair, req, add_type=add_type, allow_type=allow, force=force, now=NOW, request_ttl=TTL)


def puts(outcome):
    return sorted((c.owner, c.friend.peer) for c in outcome.changes if isinstance(c, rel.PutFriend))


def deletes(outcome):
    return sorted((c.owner, c.kind, c.peer) for c in outcome.changes if isinstance(c, rel.DeleteRow))


def events(outcome):
    return sorted((e.name, e.recipients) for e in outcome.events)


# --- friend_add ---------------------------------------------------------------------------------------------------
def test_allow_any_forms_both_rows_at_once_for_a_both_add():
    out = add(rel.Pair("a", "b"), allow=rel.ALLOW_ANY)
    assert out.code == 0
    assert puts(out) == [("a", "b"), ("b", "a")]
    assert events(out) == [("friend_added", ("a", "b"))] * 2


def test_single_add_writes_only_the_requesters_row():
    out = add(rel.Pair("a", "b"), allow=rel.ALLOW_ANY, add_type=rel.ADD_SINGLE)
    assert puts(out) == [("a", "b")]


def test_need_confirm_makes_a_pending_request_with_30539_and_tells_both_sides():
    out = add(rel.Pair("a", "b"), add_wording="hi", remark="B", group="work")
    assert out.code == 30539
    [change] = out.changes
    assert isinstance(change, rel.PutRequest) and not change.replace
    assert change.request.expires == NOW + TTL and change.request.remark == "B"
    assert events(out) == [("friend_request", ("a", "b"))]
    assert "Remark" not in out.events[0].item  # the requester's remark is private


def test_repeating_a_pending_request_replaces_it_without_counting_again():
    out = add(rel.Pair("a", "b", sent=request("a", "b", expires=NOW - 1)))
    assert out.code == 30539 and out.changes[0].replace


def test_deny_any_refuses_with_30516_and_writes_nothing():
    out = add(rel.Pair("a", "b"), allow=rel.DENY_ANY)
    assert (out.code, out.changes) == (30516, ())


def test_admin_force_skips_the_peers_verification():
    assert puts(add(rel.Pair("a", "b"), allow=rel.DENY_ANY, force=True)) == [("a", "b"), ("b", "a")]


@pytest.mark.parametrize(
    ("pair", "code"),
    [
        (rel.Pair("a", "b", i_block=rel.Block("b", NOW)), 30515),
        (rel.Pair("a", "b", they_block=rel.Block("a", NOW)), 30525),
    ],
)
def test_blacklists_refuse_friend_requests_even_when_forced(pair, code):
    assert add(pair, allow=rel.ALLOW_ANY, force=True).code == code


def test_adding_an_existing_friend_answers_tencents_friend_exist():
    out = add(rel.Pair("a", "b", mine=friend("b"), theirs=friend("a")))
    assert (out.code, out.info) == (30001, rel.FRIEND_EXIST)
    assert add(rel.Pair("a", "b", mine=friend("b")), add_type=rel.ADD_SINGLE).info == rel.FRIEND_EXIST


def test_a_peer_who_already_lists_me_needs_no_confirmation():
    out = add(rel.Pair("a", "b", theirs=friend("a")))
    assert out.code == 0 and puts(out) == [("a", "b")]


def test_adding_someone_who_asked_me_accepts_their_request():
    out = add(rel.Pair("a", "b", received=request("b", "a", add_type=rel.ADD_SINGLE)), add_type=rel.ADD_SINGLE)
    assert out.code == 0
    assert puts(out) == [("a", "b"), ("b", "a")]
    assert deletes(out) == [("a", "REQIN", "b"), ("b", "REQOUT", "a")]
    assert ("friend_request_deleted", ("a", "b")) in events(out)


def test_an_expired_request_from_the_peer_is_no_consent():
    out = add(rel.Pair("a", "b", received=request("b", "a", expires=NOW)))
    assert out.code == 30539


def test_a_named_group_is_created_with_the_friend():
    out = add(rel.Pair("a", "b"), allow=rel.ALLOW_ANY, group="work")
    assert rel.AddGroups("a", ("work",)) in out.changes


# --- responses, withdraw ------------------------------------------------------------------------------------------
def test_agree_to_a_both_request_forms_both_rows_with_each_sides_remark():
    pending = rel.FriendRequest("a", "b", rel.ADD_BOTH, "AddSource_Type_Web", "hi", "Bee", "pals", NOW - 5, NOW + 9)
    out = rel.plan_respond(rel.Pair("b", "a", received=pending), rel.AGREE, "Ay", "work", now=NOW)
    rows = {(c.owner, c.friend.peer): c.friend for c in out.changes if isinstance(c, rel.PutFriend)}
    assert rows[("a", "b")].remark == "Bee" and rows[("a", "b")].groups == ("pals",)
    assert rows[("b", "a")].remark == "Ay" and rows[("b", "a")].groups == ("work",)
    assert deletes(out) == [("a", "REQOUT", "b"), ("b", "REQIN", "a")]


def test_agree_to_a_single_request_lists_only_the_requester_side_unless_agree_and_add():
    pending = request("a", "b", add_type=rel.ADD_SINGLE)
    assert puts(rel.plan_respond(rel.Pair("b", "a", received=pending), rel.AGREE, "", "", now=NOW)) == [("a", "b")]
    both = rel.plan_respond(rel.Pair("b", "a", received=pending), rel.AGREE_AND_ADD, "", "", now=NOW)
    assert puts(both) == [("a", "b"), ("b", "a")]


def test_reject_closes_the_request_and_missing_or_expired_ones_are_30614():
    out = rel.plan_respond(rel.Pair("b", "a", received=request("a", "b")), rel.REJECT, "", "", now=NOW)
    assert puts(out) == [] and len(deletes(out)) == 2
    assert out.events[0].item["Reason"] == rel.REFUSED
    assert rel.plan_respond(rel.Pair("b", "a"), rel.AGREE, "", "", now=NOW).code == 30614
    expired = rel.Pair("b", "a", received=request("a", "b", expires=NOW))
    assert rel.plan_respond(expired, rel.AGREE, "", "", now=NOW).code == 30614


def test_withdrawing_an_expired_request_cleans_it_but_answers_30614():
    out = rel.plan_withdraw(rel.Pair("a", "b", sent=request("a", "b", expires=NOW)), now=NOW)
    assert out.code == 30614 and len(out.changes) == 2 and out.events == ()
    live = rel.plan_withdraw(rel.Pair("a", "b", sent=request("a", "b")), now=NOW)
    assert live.code == 0 and live.events[0].item["Reason"] == rel.WITHDRAWN


# --- delete, blacklist --------------------------------------------------------------------------------------------
def test_single_delete_keeps_the_peers_row_and_both_removes_it():
    pair = rel.Pair("a", "b", mine=friend("b"), theirs=friend("a"))
    assert deletes(rel.plan_delete(pair, rel.DELETE_SINGLE)) == [("a", "FRIEND", "b")]
    assert deletes(rel.plan_delete(pair, rel.DELETE_BOTH)) == [("a", "FRIEND", "b"), ("b", "FRIEND", "a")]


def test_deleting_a_non_friend_is_31704():
    assert rel.plan_delete(rel.Pair("a", "b", theirs=friend("a")), rel.DELETE_SINGLE).code == 31704
    assert rel.plan_delete(rel.Pair("a", "b"), rel.DELETE_BOTH).code == 31704


def test_blacklisting_removes_the_friendship_both_ways_and_pending_requests():
    pair = rel.Pair("a", "b", mine=friend("b"), theirs=friend("a"), received=request("b", "a"))
    out = rel.plan_block(pair, now=NOW)
    assert [c for c in out.changes if isinstance(c, rel.PutBlock)] == [rel.PutBlock("a", rel.Block("b", NOW))]
    assert deletes(out) == [("a", "FRIEND", "b"), ("a", "REQIN", "b"), ("b", "FRIEND", "a"), ("b", "REQOUT", "a")]
    # the blocked account hears of its lost friendship, but only the owner hears of the blacklist
    assert ("blacklist_added", ("a",)) in events(out)


def test_blacklisting_twice_is_tencents_already_exist():
    out = rel.plan_block(rel.Pair("a", "b", i_block=rel.Block("b", NOW)), now=NOW)
    assert (out.code, out.info) == (30001, rel.BLACK_EXIST)
    assert rel.plan_unblock(rel.Pair("a", "b")).code == 30001


# --- check results ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("mine", "theirs", "both", "single"),
    [
        (True, True, rel.REL_BOTH_WAY, rel.REL_A_WITH_B),
        (True, False, rel.REL_A_WITH_B, rel.REL_A_WITH_B),
        (False, True, rel.REL_B_WITH_A, rel.REL_NONE),
        (False, False, rel.REL_NONE, rel.REL_NONE),
    ],
)
def test_friend_check_gives_all_four_relations(mine, theirs, both, single):
    pair = rel.Pair("a", "b", mine=friend("b") if mine else None, theirs=friend("a") if theirs else None)
    assert rel.friend_relation(pair, rel.CHECK_BOTH) == both
    assert rel.friend_relation(pair, rel.CHECK_SINGLE) == single


@pytest.mark.parametrize(
    ("mine", "theirs", "both", "single"),
    [
        (True, True, rel.BLACK_BOTH_WAY, rel.BLACK_A_WITH_B),
        (True, False, rel.BLACK_A_WITH_B, rel.BLACK_A_WITH_B),
        (False, True, rel.BLACK_B_WITH_A, rel.BLACK_NONE),
        (False, False, rel.BLACK_NONE, rel.BLACK_NONE),
    ],
)
def test_black_check_gives_all_four_relations(mine, theirs, both, single):
    pair = rel.Pair(
        "a", "b", i_block=rel.Block("b", 1) if mine else None, they_block=rel.Block("a", 1) if theirs else None
    )
    assert rel.black_relation(pair, rel.BLACK_CHECK_BOTH) == both
    assert rel.black_relation(pair, rel.BLACK_CHECK_SINGLE) == single


def test_limit_codes_distinguish_my_friend_limit_from_the_peers():
    assert rel.limit_code("friends", acting_owner=True) == 30010
    assert rel.limit_code("friends", acting_owner=False) == 30014
    assert rel.limit_code("groups", acting_owner=True) == 30011
    assert rel.limit_code("blacks", acting_owner=True) == 30013
    assert rel.limit_code("pending_in", acting_owner=False) == 30012


# --- values -------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("value", ["AddSource_Type_", "AddSource_Type_TooLongName", "Android", 7, "AddSource_Type_A1"])
def test_add_source_must_be_the_prefix_and_up_to_eight_letters(value):
    with pytest.raises(errors.DomainError) as exc:
        rel.check_add_source(value)
    assert exc.value.error_code == 30001


def test_group_names_and_custom_values_are_bounded():
    assert rel.check_group_names(["a", "b", "a"]) == ("a", "b")
    for bad in ([""], ["x" * 31], "a", [1]):
        with pytest.raises(errors.DomainError):
            rel.check_group_names(bad)
    assert rel.check_custom_value("Tag_SNS_Custom_X", 5) == 5
    for bad in (-1, True, "x" * 501, 2**64, None):
        with pytest.raises(errors.DomainError):
            rel.check_custom_value("Tag_SNS_Custom_X", bad)
    assert rel.is_custom_tag("Tag_SNS_Custom_Level") and not rel.is_custom_tag("Tag_SNS_Custom_TooLongKey")


def test_friend_update_merges_items_for_one_friend_and_creates_named_groups():
    edit = rel.FriendEdit(remark="x").merged(rel.FriendEdit(groups=("g",), custom={"Tag_SNS_Custom_A": 1}))
    out = rel.plan_update(rel.Pair("a", "b", mine=friend("b")), edit, now=NOW)
    assert rel.AddGroups("a", ("g",)) in out.changes
    [update] = [c for c in out.changes if isinstance(c, rel.UpdateFriend)]
    assert (update.remark, update.groups, dict(update.custom)) == ("x", ("g",), {"Tag_SNS_Custom_A": 1})
    assert out.events[0].recipients == ("a",)  # remarks and groups are private to the owner
    assert rel.plan_update(rel.Pair("a", "b"), edit, now=NOW).code == 31704


def test_allow_type_defaults_to_need_confirm():
    assert rel.allow_type_of(None) == rel.NEED_CONFIRM
    assert rel.allow_type_of({"Tag_Profile_IM_AllowType": rel.DENY_ANY}) == rel.DENY_ANY
