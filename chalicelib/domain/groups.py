"""Group rules: the types (old and new names), roles, join options, field limits, GroupIds and who may do what.

The permission table is reference §3.7's (after Tencent's intl doc 1047/48463 and doc 1627):

| type        | apply to join          | invite            | admins | kick          | mute | owner may quit |
|-------------|------------------------|-------------------|--------|---------------|------|----------------|
| Private     | no (invite only)       | any member        | no     | owner         | no   | yes            |
| Public      | yes, NeedPermission    | App admin (REST)  | yes    | owner, admins | yes  | no             |
| ChatRoom    | yes, FreeAccess        | App admin (REST)  | yes    | owner, admins | yes  | no             |
| AVChatRoom  | yes, FreeAccess        | nobody            | no     | nobody*       | yes  | no             |
| Community   | yes, FreeAccess        | any member        | yes    | owner, admins | yes  | no             |

The App admin (a REST call signed by an admin identifier) may do anything the type supports. *AVChatRoom has no
kick ("use mute"); only the App admin may remove a member (operators need a way to clear a live room), and the
offline-kick job removes members offline for `offline_kick_seconds`. Admins may not act on the owner or on other
admins; only the owner (or the App admin) appoints admins or hands the group over.
"""

from __future__ import annotations

import json
import secrets
import string
from dataclasses import dataclass, field
from typing import Any

from chalicelib.domain import errors

# Canonical kinds; the wire accepts the old and the new names (reference §7) and answers with the name given.
PRIVATE, PUBLIC, CHATROOM, AVCHATROOM, COMMUNITY = "Private", "Public", "ChatRoom", "AVChatRoom", "Community"
TYPE_NAMES: dict[str, str] = {
    "Private": PRIVATE,
    "Work": PRIVATE,
    "Public": PUBLIC,
    "ChatRoom": CHATROOM,
    "Meeting": CHATROOM,
    "AVChatRoom": AVCHATROOM,
    "Community": COMMUNITY,
}

OWNER, ADMIN, MEMBER, NOT_MEMBER = "Owner", "Admin", "Member", "NotMember"
ROLES: tuple[str, ...] = (OWNER, ADMIN, MEMBER)
FREE_ACCESS, NEED_PERMISSION, DISABLE_APPLY = "FreeAccess", "NeedPermission", "DisableApply"
APPLY_OPTIONS: tuple[str, ...] = (FREE_ACCESS, NEED_PERMISSION, DISABLE_APPLY)
MSG_FLAGS: tuple[str, ...] = ("AcceptAndNotify", "AcceptNotNotify", "Discard")
DISCARD = MSG_FLAGS[2]
ON, OFF = "On", "Off"

# Who may add members without an application.
INVITE_MEMBERS, INVITE_APP_ADMIN, INVITE_NOBODY = "members", "app_admin", "nobody"

# Field limits (reference §5; [J], [E] 8501-8506, doc 9346).
NAME_MAX_BYTES = 30
INTRODUCTION_MAX_BYTES = 240
NOTIFICATION_MAX_BYTES = 300
FACE_URL_MAX_BYTES = 100
NAME_CARD_MAX_BYTES = 50
GROUP_ID_MAX_BYTES = 48
GROUP_DATA_KEYS, MEMBER_DATA_KEYS = 10, 5
DATA_KEY_MAX_BYTES, DATA_VALUE_MAX_BYTES = 16, 512
MAX_CAPPED_MEMBERS = 6000
COMMUNITY_MAX_MEMBERS = 100_000
BATCH_ACCOUNTS = 500  # forbid_send_msg, get_role_in_group, add/delete member, system notification
AUTO_ID_PREFIX = "@TGS#"


@dataclass(frozen=True)
class TypeRules:
    kind: str
    may_apply: bool  # accounts may join or apply by themselves
    default_apply: str
    invite: str
    has_admins: bool
    kick_roles: frozenset[str]  # roles that may remove members (besides the App admin)
    mute_supported: bool
    owner_may_quit: bool
    any_member_edits_info: bool
    sees_history_before_join: bool  # FAQ: ChatRoom and AVChatRoom members read messages from before they joined
    counts_unread: bool  # reference: ChatRoom has no unread count (nor has AVChatRoom)
    max_members: int  # 0: no cap
    default_max_members: int
    id_prefix: str  # auto GroupIds
    online_shards: int  # partitions of the online-member index (big rooms spread reads over several)
    kicks_offline: bool  # members offline for offline_kick_seconds are removed (FAQ 定时踢不在线成员)


def _rules(kind: str, **kw: Any) -> TypeRules:
    base: dict[str, Any] = dict(
        kind=kind,
        may_apply=True,
        default_apply=FREE_ACCESS,
        invite=INVITE_APP_ADMIN,
        has_admins=True,
        kick_roles=frozenset({OWNER, ADMIN}),
        mute_supported=True,
        owner_may_quit=False,
        any_member_edits_info=False,
        sees_history_before_join=True,
        counts_unread=True,
        max_members=MAX_CAPPED_MEMBERS,
        default_max_members=2000,
        id_prefix=AUTO_ID_PREFIX,
        online_shards=1,
        kicks_offline=False,
    )
    return TypeRules(**{**base, **kw})


RULES: dict[str, TypeRules] = {
    PRIVATE: _rules(
        PRIVATE,
        may_apply=False,
        default_apply=DISABLE_APPLY,
        invite=INVITE_MEMBERS,
        has_admins=False,
        kick_roles=frozenset({OWNER}),
        mute_supported=False,
        owner_may_quit=True,
        any_member_edits_info=True,
        sees_history_before_join=False,
        default_max_members=200,
    ),
    PUBLIC: _rules(PUBLIC, default_apply=NEED_PERMISSION, sees_history_before_join=False),
    CHATROOM: _rules(CHATROOM, counts_unread=False),
    AVCHATROOM: _rules(
        AVCHATROOM,
        invite=INVITE_NOBODY,
        has_admins=False,
        kick_roles=frozenset(),
        counts_unread=False,
        max_members=0,
        default_max_members=0,
        id_prefix=AUTO_ID_PREFIX + "a",
        online_shards=8,
        kicks_offline=True,
    ),
    COMMUNITY: _rules(
        COMMUNITY,
        invite=INVITE_MEMBERS,
        max_members=COMMUNITY_MAX_MEMBERS,
        default_max_members=COMMUNITY_MAX_MEMBERS,
        id_prefix=AUTO_ID_PREFIX + "_",
        online_shards=8,
    ),
}


def kind_of(type_name: object) -> str:
    """The canonical kind of a wire type name (old or new), or 10004."""
    if not isinstance(type_name, str) or type_name not in TYPE_NAMES:
        raise errors.error(10004, f"Type must be one of {', '.join(TYPE_NAMES)}")
    return TYPE_NAMES[type_name]


def rules_of(kind: str) -> TypeRules:
    return RULES[kind]


# --- GroupIds -----------------------------------------------------------------------------------
def check_group_id(value: object, field_name: str = "GroupId") -> str:
    """A GroupId named in a request (custom or auto): a non-empty string of printable ASCII, ≤48 bytes."""
    if not isinstance(value, str) or not value:
        raise errors.error(10004, f"{field_name} must be a non-empty string")
    if len(value.encode("utf-8")) > GROUP_ID_MAX_BYTES or any(not 0x20 <= ord(c) <= 0x7E for c in value):
        raise errors.GroupIdInvalid(f"{field_name} must be printable ASCII of at most {GROUP_ID_MAX_BYTES} bytes")
    return value


def check_custom_group_id(value: object, kind: str) -> str:
    """Custom ids must not look like auto ids (`@TGS#`), except Community ids, which must start with `@TGS#_`."""
    gid = check_group_id(value)
    if kind == COMMUNITY:
        if not gid.startswith(AUTO_ID_PREFIX + "_") or len(gid) == len(AUTO_ID_PREFIX) + 1:
            raise errors.GroupIdInvalid("a Community GroupId must start with @TGS#_")
    elif gid.startswith(AUTO_ID_PREFIX):
        raise errors.GroupIdInvalid("a custom GroupId must not start with @TGS#")
    return gid


_ID_CHARS = string.ascii_uppercase + string.digits


def new_group_id(kind: str) -> str:
    """An auto GroupId: the type's prefix and 10 random characters (Tencent's look: `@TGS#2C5SZEAEF`)."""
    return rules_of(kind).id_prefix + "".join(secrets.choice(_ID_CHARS) for _ in range(10))


def new_serial(now: float) -> int:
    """Creation order of a group in its app (get_appid_group_list pages by it: `Next`): milliseconds and four random
    digits. Needs no counter, so a creation refused by a quota writes nothing at all."""
    return int(now * 1000) * 10_000 + secrets.randbelow(10_000)


def new_incarnation() -> str:
    """Keys messages, members and dedup records of one life of a GroupId (dissolved and recreated = new life)."""
    return secrets.token_hex(6)


# --- field values -------------------------------------------------------------------------------
def check_text(name: str, value: object, max_bytes: int) -> str:
    if not isinstance(value, str):
        raise errors.error(10004, f"{name} must be a string")
    if len(value.encode("utf-8")) > max_bytes:
        raise errors.error(10004, f"{name} exceeds {max_bytes} bytes")
    return value


def check_apply_option(value: object) -> str:
    if value not in APPLY_OPTIONS:
        raise errors.error(10004, f"ApplyJoinOption must be one of {', '.join(APPLY_OPTIONS)}")
    return str(value)


def check_on_off(name: str, value: object) -> bool:
    if value not in (ON, OFF):
        raise errors.error(10004, f"{name} must be On or Off")
    return value == ON


def check_max_members(kind: str, value: object) -> int:
    """MaxMemberCount for the type: 1..cap (AVChatRoom: no cap, the value is accepted and ignored)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise errors.error(10004, "MaxMemberCount must be a positive integer")
    cap = rules_of(kind).max_members
    if cap == 0:
        return 0
    if value > cap:
        raise errors.error(10004, f"MaxMemberCount of a {kind} group is at most {cap}")
    return value


def check_app_data(items: object, *, max_keys: int, name: str) -> dict[str, str]:
    """AppDefinedData / AppMemberDefinedData: [{Key, Value}] with Tencent's key and value limits (None: none)."""
    if items is None:
        return {}
    if not isinstance(items, list):
        raise errors.error(10004, f"{name} must be an array of {{Key, Value}}")
    out: dict[str, str] = {}
    for i, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("Key"), str) or not isinstance(item.get("Value"), str):
            raise errors.error(10004, f"{name}[{i}] needs string Key and Value")
        key, value = item["Key"], item["Value"]
        if not key or len(key.encode("utf-8")) > DATA_KEY_MAX_BYTES:
            raise errors.error(10004, f"{name}[{i}].Key must be 1..{DATA_KEY_MAX_BYTES} bytes")
        if len(value.encode("utf-8")) > DATA_VALUE_MAX_BYTES:
            raise errors.error(10004, f"{name}[{i}].Value exceeds {DATA_VALUE_MAX_BYTES} bytes")
        out[key] = value
    if len(out) > max_keys:
        raise errors.error(10004, f"{name} holds at most {max_keys} keys")
    return out


def data_items(data: dict[str, str], keys: list[str] | None = None) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in data.items() if keys is None or k in keys]


def encode_data(data: dict[str, str]) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def decode_data(raw: str | None) -> dict[str, str]:
    return dict(json.loads(raw)) if raw else {}


# --- the group and its members ------------------------------------------------------------------
@dataclass(frozen=True)
class Group:
    sdkappid: int
    group_id: str
    incarnation: str
    type_name: str  # as the creator spelled it (Private or Work, ChatRoom or Meeting)
    kind: str
    name: str
    owner: str  # "" once the owner of a Private group has quit
    created_at: int
    max_members: int  # 0: no cap (AVChatRoom)
    apply_join: str
    introduction: str = ""
    notification: str = ""
    face_url: str = ""
    app_data: dict[str, str] = field(default_factory=dict)
    mute_all: bool = False
    info_seq: int = 0
    last_info_time: int = 0
    member_num: int = 0
    admins: tuple[str, ...] = ()
    serial: int = 0  # creation order in the app: get_appid_group_list pages by it (`Next`)
    kick_offline: bool = False

    @property
    def rules(self) -> TypeRules:
        return rules_of(self.kind)

    @property
    def shards(self) -> int:
        return self.rules.online_shards

    def role_of(self, user: str) -> str:
        """Role from the group item alone (owner and admins are kept there); ordinary members need their row."""
        if user and user == self.owner:
            return OWNER
        if user in self.admins:
            return ADMIN
        return MEMBER


def receives_online(msg_flag: str) -> bool:
    """MsgFlag Discard (Tencent's 不接收群消息): the member gets the group's messages neither online nor offline, so
    its terminals stay out of the group's online index; the other flags receive online (and differ only in push)."""
    return msg_flag != DISCARD


@dataclass(frozen=True)
class Member:
    user: str
    role: str
    join_time: int
    visible_from: int  # the first MsgSeq this member may read (1: all history)
    msg_flag: str = MSG_FLAGS[0]
    name_card: str = ""
    mute_until: int = 0  # domain.mute deadline; 0: not muted
    app_data: dict[str, str] = field(default_factory=dict)
    last_send_time: int = 0
    offline_since: int | None = None  # kick-enabled groups only: when the member's last terminal went away


@dataclass(frozen=True)
class Actor:
    """Who performs a group operation: the App admin (REST, admin identifier) or an account with its role."""

    user: str
    is_app_admin: bool
    role: str = NOT_MEMBER

    @property
    def is_member(self) -> bool:
        return self.role != NOT_MEMBER


def _forbid(why: str) -> errors.DomainError:
    return errors.GroupForbidden(why)


def _require_member(actor: Actor) -> None:
    if not actor.is_app_admin and not actor.is_member:
        raise _forbid(f"{actor.user!r} is not a member of this group")


def check_invite(rules: TypeRules, actor: Actor) -> None:
    if rules.invite == INVITE_NOBODY:
        raise _forbid(f"members cannot be added to a {rules.kind} group: accounts join it themselves")
    if actor.is_app_admin:
        return
    _require_member(actor)
    if rules.invite == INVITE_APP_ADMIN:
        raise _forbid(f"only the App admin adds members to a {rules.kind} group; accounts apply to join")


def _outranks(actor: Actor, target_role: str) -> bool:
    """The owner outranks everyone else; an admin outranks ordinary members only."""
    if target_role == OWNER:
        return False
    if actor.role == OWNER:
        return True
    return actor.role == ADMIN and target_role in (MEMBER, NOT_MEMBER)


def check_kick(rules: TypeRules, actor: Actor, target_role: str) -> None:
    if target_role == OWNER:
        raise _forbid("the owner cannot be removed; hand the group over first")
    if actor.is_app_admin:
        return
    _require_member(actor)
    if actor.role not in rules.kick_roles:
        if not rules.kick_roles:
            raise _forbid(f"members of a {rules.kind} group cannot be removed (mute them instead)")
        raise _forbid(f"only {' or '.join(sorted(r.lower() for r in rules.kick_roles))} may remove members")
    if not _outranks(actor, target_role):
        raise _forbid("an admin may remove ordinary members only")


def check_mute(rules: TypeRules, actor: Actor, target_role: str) -> None:
    if not rules.mute_supported:
        raise _forbid(f"a {rules.kind} group does not support muting members")
    if target_role == OWNER:
        raise _forbid("the owner cannot be muted")
    if actor.is_app_admin:
        return
    _require_member(actor)
    if actor.role not in (OWNER, ADMIN) or not _outranks(actor, target_role):
        raise _forbid("only the owner mutes admins; the owner and admins mute ordinary members")


def check_modify_info(rules: TypeRules, actor: Actor) -> None:
    if actor.is_app_admin:
        return
    _require_member(actor)
    if actor.role == OWNER or (actor.role == ADMIN and rules.has_admins) or rules.any_member_edits_info:
        return
    raise _forbid("only the owner or an admin may change the group's information")


def check_owner_or_app_admin(actor: Actor, what: str) -> None:
    if actor.is_app_admin or actor.role == OWNER:
        return
    _require_member(actor)
    raise _forbid(f"only the owner may {what}")


def check_set_role(rules: TypeRules, actor: Actor, target_role: str, new_role: str) -> None:
    if not rules.has_admins:
        raise _forbid(f"a {rules.kind} group has no admins")
    if new_role not in (ADMIN, MEMBER):
        raise errors.error(10004, "Role may only be set to Admin or Member")
    if target_role == OWNER:
        raise _forbid("the owner's role changes only by handing the group over")
    check_owner_or_app_admin(actor, "appoint or dismiss admins")


def check_edit_member(rules: TypeRules, actor: Actor, target: str, target_role: str) -> None:
    """NameCard and AppMemberDefinedData: the member itself, or someone who outranks it."""
    if actor.is_app_admin or actor.user == target:
        return
    _require_member(actor)
    if actor.role in (OWNER, ADMIN) and _outranks(actor, target_role):
        return
    raise _forbid("only the member itself, the owner or an admin may change a member's card")


def check_approve(rules: TypeRules, actor: Actor) -> None:
    if actor.is_app_admin:
        return
    _require_member(actor)
    if actor.role == OWNER or (actor.role == ADMIN and rules.has_admins):
        return
    raise _forbid("only the owner or an admin may handle join applications")


def check_apply(group: Group) -> None:
    if not group.rules.may_apply:
        raise _forbid(f"a {group.kind} group accepts no applications: members are invited")
    if group.apply_join == DISABLE_APPLY:
        raise _forbid("this group accepts no applications (ApplyJoinOption DisableApply)")


def check_quit(rules: TypeRules, role: str) -> None:
    if role == NOT_MEMBER:
        raise _forbid("not a member of this group")
    if role == OWNER and not rules.owner_may_quit:
        raise errors.OwnerMayNotQuit(f"the owner of a {rules.kind} group may not quit: hand it over or dissolve it")


def check_read_info(group: Group, actor: Actor) -> None:
    """Private groups are visible to their members only; the others are public (searchable)."""
    if group.kind == PRIVATE and not actor.is_app_admin and not actor.is_member:
        raise _forbid("a Private group's information is for its members only")


def check_recall(rules: TypeRules, actor: Actor, sender: str, age: float, window: int) -> None:
    """The App admin, the owner and admins recall any message; a member its own within `window` seconds."""
    if actor.is_app_admin or actor.role == OWNER or (actor.role == ADMIN and rules.has_admins):
        return
    _require_member(actor)
    if actor.user != sender:
        raise _forbid("a member may recall only its own messages")
    if age > window:
        raise errors.error(10031, f"a message may be recalled within {window} seconds of sending")


# --- what presence and fan-out pass around ------------------------------------------------------
@dataclass(frozen=True)
class GroupRef:
    """One incarnation of a group, with the number of shards of its online-member index."""

    group_id: str
    incarnation: str
    shards: int

    @classmethod
    def of(cls, group: Group) -> GroupRef:
        return cls(group.group_id, group.incarnation, group.shards)


@dataclass(frozen=True)
class OnlineTerminal:
    user: str
    connection_id: str


@dataclass(frozen=True)
class Membership:
    """A member row found from the account's side (its groups), with what presence needs to know."""

    group_id: str
    incarnation: str
    kind: str
    kick_offline: bool
    member: Member

    @property
    def ref(self) -> GroupRef:
        return GroupRef(self.group_id, self.incarnation, rules_of(self.kind).online_shards)


@dataclass(frozen=True)
class OfflineMember:
    group_id: str
    incarnation: str
    user: str
    since: int
