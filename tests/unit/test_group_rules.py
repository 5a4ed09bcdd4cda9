import pytest

from chalicelib.domain import errors
from chalicelib.domain import group_messages as gm
from chalicelib.domain import groups as g
from chalicelib.domain.groups import ADMIN, MEMBER, NOT_MEMBER, OWNER, Actor

APP_ADMIN = Actor("administrator", True)
OWNER_A = Actor("o", False, OWNER)
ADMIN_A = Actor("a", False, ADMIN)
MEMBER_A = Actor("m", False, MEMBER)
STRANGER = Actor("s", False, NOT_MEMBER)


def code(fn, *args, **kw):
    try:
        fn(*args, **kw)
    except errors.DomainError as err:
        return err.error_code
    return 0


def rules(kind):
    return g.rules_of(kind)


@pytest.mark.parametrize(
    ("name", "kind"),
    [("Private", g.PRIVATE), ("Work", g.PRIVATE), ("Public", g.PUBLIC), ("ChatRoom", g.CHATROOM),
     ("Meeting", g.CHATROOM), ("AVChatRoom", g.AVCHATROOM), ("Community", g.COMMUNITY)],
)  # fmt: skip
def test_old_and_new_type_names_map_to_one_kind(name, kind):
    assert g.kind_of(name) == kind


def test_unknown_type_is_an_invalid_parameter():
    assert code(g.kind_of, "BChatRoom") == 10004
    assert code(g.kind_of, 3) == 10004


# who may invite (add members without an application): the reference's table
@pytest.mark.parametrize(
    ("kind", "app_admin", "owner", "member", "stranger"),
    [
        (g.PRIVATE, 0, 0, 0, 10007),  # any member invites
        (g.PUBLIC, 0, 10007, 10007, 10007),  # only the App admin
        (g.CHATROOM, 0, 10007, 10007, 10007),
        (g.AVCHATROOM, 10007, 10007, 10007, 10007),  # nobody: accounts join themselves
        (g.COMMUNITY, 0, 0, 0, 10007),
    ],
)
def test_invite_permissions_follow_the_type_table(kind, app_admin, owner, member, stranger):
    r = rules(kind)
    assert [code(g.check_invite, r, a) for a in (APP_ADMIN, OWNER_A, MEMBER_A, STRANGER)] == [
        app_admin, owner, member, stranger,
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "owner_kicks_member", "admin_kicks_member", "member_kicks_member", "app_admin_kicks"),
    [
        (g.PRIVATE, 0, 10007, 10007, 0),
        (g.PUBLIC, 0, 0, 10007, 0),
        (g.CHATROOM, 0, 0, 10007, 0),
        (g.AVCHATROOM, 10007, 10007, 10007, 0),  # no kick in a live room except by the App admin
        (g.COMMUNITY, 0, 0, 10007, 0),
    ],
)
def test_kick_permissions_follow_the_type_table(kind, owner_kicks_member, admin_kicks_member, member_kicks_member,
                                                app_admin_kicks):  # fmt: skip
    r = rules(kind)
    assert code(g.check_kick, r, OWNER_A, MEMBER) == owner_kicks_member
    assert code(g.check_kick, r, ADMIN_A, MEMBER) == admin_kicks_member
    assert code(g.check_kick, r, MEMBER_A, MEMBER) == member_kicks_member
    assert code(g.check_kick, r, APP_ADMIN, MEMBER) == app_admin_kicks


def test_nobody_kicks_the_owner_and_admins_do_not_kick_admins():
    r = rules(g.PUBLIC)
    assert code(g.check_kick, r, APP_ADMIN, OWNER) == 10007
    assert code(g.check_kick, r, ADMIN_A, ADMIN) == 10007
    assert code(g.check_kick, r, OWNER_A, ADMIN) == 0
    assert code(g.check_kick, r, STRANGER, MEMBER) == 10007


@pytest.mark.parametrize(
    ("kind", "supported"),
    [(g.PRIVATE, False), (g.PUBLIC, True), (g.CHATROOM, True), (g.AVCHATROOM, True), (g.COMMUNITY, True)],
)
def test_mute_is_supported_by_every_type_but_private(kind, supported):
    r = rules(kind)
    assert code(g.check_mute, r, APP_ADMIN, MEMBER) == (0 if supported else 10007)


def test_mute_ranks_owner_over_admins_over_members():
    r = rules(g.PUBLIC)
    assert code(g.check_mute, r, OWNER_A, ADMIN) == 0
    assert code(g.check_mute, r, ADMIN_A, MEMBER) == 0
    assert code(g.check_mute, r, ADMIN_A, ADMIN) == 10007
    assert code(g.check_mute, r, MEMBER_A, MEMBER) == 10007
    assert code(g.check_mute, r, APP_ADMIN, OWNER) == 10007


@pytest.mark.parametrize(
    ("kind", "owner_may_quit"),
    [(g.PRIVATE, True), (g.PUBLIC, False), (g.CHATROOM, False), (g.AVCHATROOM, False), (g.COMMUNITY, False)],
)
def test_only_a_private_groups_owner_may_quit(kind, owner_may_quit):
    assert code(g.check_quit, rules(kind), OWNER) == (0 if owner_may_quit else 10009)
    assert code(g.check_quit, rules(kind), MEMBER) == 0
    assert code(g.check_quit, rules(kind), NOT_MEMBER) == 10007


@pytest.mark.parametrize(
    ("kind", "has_admins"),
    [(g.PRIVATE, False), (g.PUBLIC, True), (g.CHATROOM, True), (g.AVCHATROOM, False), (g.COMMUNITY, True)],
)
def test_admins_exist_in_public_chatroom_and_community_only(kind, has_admins):
    assert code(g.check_set_role, rules(kind), OWNER_A, MEMBER, ADMIN) == (0 if has_admins else 10007)


def test_only_the_owner_appoints_admins():
    r = rules(g.PUBLIC)
    assert code(g.check_set_role, r, ADMIN_A, MEMBER, ADMIN) == 10007
    assert code(g.check_set_role, r, APP_ADMIN, MEMBER, ADMIN) == 0
    assert code(g.check_set_role, r, OWNER_A, OWNER, MEMBER) == 10007
    assert code(g.check_set_role, r, OWNER_A, MEMBER, OWNER) == 10004


def test_any_private_member_edits_group_info_elsewhere_only_owner_and_admins():
    assert code(g.check_modify_info, rules(g.PRIVATE), MEMBER_A) == 0
    assert code(g.check_modify_info, rules(g.PUBLIC), MEMBER_A) == 10007
    assert code(g.check_modify_info, rules(g.PUBLIC), ADMIN_A) == 0
    assert code(g.check_modify_info, rules(g.AVCHATROOM), ADMIN_A) == 10007  # no admins in a live room
    assert code(g.check_modify_info, rules(g.AVCHATROOM), OWNER_A) == 0
    assert code(g.check_modify_info, rules(g.PUBLIC), STRANGER) == 10007


def _group(kind, apply_join=None):
    return g.Group(1, "gid", "inc", kind, kind, "n", "o", 0, 100, apply_join or g.rules_of(kind).default_apply)


def test_applications_by_type_and_option():
    assert code(g.check_apply, _group(g.PRIVATE)) == 10007  # invite only
    assert code(g.check_apply, _group(g.PUBLIC)) == 0
    assert _group(g.PUBLIC).apply_join == g.NEED_PERMISSION
    assert _group(g.CHATROOM).apply_join == g.FREE_ACCESS
    assert _group(g.AVCHATROOM).apply_join == g.FREE_ACCESS
    assert code(g.check_apply, _group(g.PUBLIC, g.DISABLE_APPLY)) == 10007


def test_private_group_info_is_for_members_only():
    assert code(g.check_read_info, _group(g.PRIVATE), STRANGER) == 10007
    assert code(g.check_read_info, _group(g.PRIVATE), MEMBER_A) == 0
    assert code(g.check_read_info, _group(g.PUBLIC), STRANGER) == 0


def test_recall_window_applies_to_members_not_to_owner_or_app_admin():
    r = rules(g.PUBLIC)
    assert code(g.check_recall, r, MEMBER_A, "m", 119, 120) == 0
    assert code(g.check_recall, r, MEMBER_A, "m", 121, 120) == 10031
    assert code(g.check_recall, r, MEMBER_A, "x", 1, 120) == 10007
    assert code(g.check_recall, r, OWNER_A, "x", 9999, 120) == 0
    assert code(g.check_recall, r, APP_ADMIN, "x", 9999, 120) == 0


def test_custom_group_ids():
    assert g.check_custom_group_id("room-1", g.PUBLIC) == "room-1"
    assert code(g.check_custom_group_id, "@TGS#abc", g.PUBLIC) == 10015
    assert code(g.check_custom_group_id, "x" * 49, g.PUBLIC) == 10015
    assert code(g.check_custom_group_id, "caf\u00e9", g.PUBLIC) == 10015
    assert code(g.check_custom_group_id, "", g.PUBLIC) == 10004
    assert code(g.check_custom_group_id, 12, g.PUBLIC) == 10004
    assert code(g.check_custom_group_id, "room", g.COMMUNITY) == 10015
    assert g.check_custom_group_id("@TGS#_room", g.COMMUNITY) == "@TGS#_room"


def test_auto_ids_carry_the_type_prefix():
    assert g.new_group_id(g.PUBLIC).startswith("@TGS#") and len(g.new_group_id(g.PUBLIC)) == 15
    assert g.new_group_id(g.AVCHATROOM).startswith("@TGS#a")
    assert g.new_group_id(g.COMMUNITY).startswith("@TGS#_")
    assert g.new_group_id(g.PUBLIC) != g.new_group_id(g.PUBLIC)


def test_member_caps_and_avchatroom_has_none():
    assert g.check_max_members(g.PUBLIC, 6000) == 6000
    assert code(g.check_max_members, g.PUBLIC, 6001) == 10004
    assert code(g.check_max_members, g.PUBLIC, 0) == 10004
    assert g.check_max_members(g.AVCHATROOM, 10**9) == 0
    assert g.check_max_members(g.COMMUNITY, 100_000) == 100_000


def test_app_defined_data_limits():
    assert g.check_app_data([{"Key": "k", "Value": "v"}], max_keys=10, name="D") == {"k": "v"}
    assert code(g.check_app_data, [{"Key": "k" * 17, "Value": "v"}], max_keys=10, name="D") == 10004
    assert code(g.check_app_data, [{"Key": "k", "Value": "v" * 513}], max_keys=10, name="D") == 10004
    assert code(g.check_app_data, [{"Key": str(i), "Value": ""} for i in range(6)], max_keys=5, name="D") == 10004
    assert code(g.check_app_data, {"Key": "k"}, max_keys=5, name="D") == 10004


# --- messages ------------------------------------------------------------------------------------
def test_rate_policy_high_never_refused_normal_at_40_low_at_30():
    assert gm.admits(gm.HIGH, 1000)
    assert gm.admits(gm.NORMAL, 39) and not gm.admits(gm.NORMAL, 40)
    assert gm.admits(gm.LOW, 29) and not gm.admits(gm.LOW, 30)
    assert not gm.admits(gm.LOWEST, 30)


def test_rate_window_counts_the_last_rolling_second():
    now = 10_000
    assert gm.sent_in_last_second([9_001, 9_500, 10_000, 9_000, 0], now) == 3


@pytest.mark.parametrize(
    ("kind", "first"),
    [(g.PRIVATE, 11), (g.PUBLIC, 11), (g.CHATROOM, 1), (g.AVCHATROOM, 1), (g.COMMUNITY, 1)],
)
def test_history_visible_from_join_in_private_and_public_all_in_chatrooms(kind, first):
    assert gm.visible_from(g.rules_of(kind), 10) == first


def test_unread_is_last_minus_read_and_nothing_before_joining():
    r = g.rules_of(g.PUBLIC)
    assert gm.unread(r, 10, 4, 1) == 6
    assert gm.unread(r, 10, 0, 8) == 3
    assert gm.unread(r, 10, 12, 1) == 0
    assert gm.unread(g.rules_of(g.CHATROOM), 10, 0, 1) == 0  # no unread count in ChatRoom


def _msg(seq, state=gm.LIVE, expires=None):
    return gm.GroupMessage(seq, 1, 100, "bob", gm.NORMAL, [{"MsgType": "TIMTextElem"}], state=state, expires=expires)


def test_history_page_fills_gaps_with_placeholders_and_hides_recalled_unless_asked():
    stored = [_msg(5), _msg(4, gm.RECALLED), _msg(3, gm.DELETED), _msg(1, expires=50)]
    page = gm.history_page("g", stored, top=5, bottom=1, first_visible=1, now=100, with_recalled=False)
    assert [(r["MsgSeq"], r["IsPlaceMsg"]) for r in page.rows] == [(5, 0), (3, 1), (2, 1), (1, 1)]
    assert page.finished == gm.FINISHED
    page = gm.history_page("g", stored, top=5, bottom=4, first_visible=1, now=100, with_recalled=True)
    assert [(r["MsgSeq"], r["IsPlaceMsg"], r["MsgBody"]) for r in page.rows] == [(5, 0, stored[0].body), (4, 2, [])]
    assert page.finished == gm.MORE


def test_page_range_never_reaches_below_the_first_visible_seq():
    assert gm.page_range(30, 1, 20) == (11, 30)
    assert gm.page_range(30, 25, 20) == (25, 30)
