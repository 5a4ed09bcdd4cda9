"""Relationship-chain rules: friend/blacklist/request values, the limits on them, and what each operation changes.

Everything here is pure: services read the state of an (owner, peer) pair, ask a `plan_*` function what to do, and
hand the resulting row changes to the store in one transaction. Wire names follow Tencent's `sns` service.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from chalicelib.domain import errors

INVALID = 30001  # sns: invalid parameter

# --- wire names ---------------------------------------------------------------------------------------------------
ADD_SINGLE, ADD_BOTH = "Add_Type_Single", "Add_Type_Both"
ADD_TYPES = (ADD_SINGLE, ADD_BOTH)
DELETE_SINGLE, DELETE_BOTH = "Delete_Type_Single", "Delete_Type_Both"
DELETE_TYPES = (DELETE_SINGLE, DELETE_BOTH)
CHECK_SINGLE, CHECK_BOTH = "CheckResult_Type_Single", "CheckResult_Type_Both"
CHECK_TYPES = (CHECK_SINGLE, CHECK_BOTH)
REL_NONE, REL_A_WITH_B, REL_B_WITH_A, REL_BOTH_WAY = (
    "CheckResult_Type_NoRelation",
    "CheckResult_Type_AWithB",
    "CheckResult_Type_BWithA",
    "CheckResult_Type_BothWay",
)
BLACK_CHECK_SINGLE, BLACK_CHECK_BOTH = "BlackCheckResult_Type_Single", "BlackCheckResult_Type_Both"
BLACK_CHECK_TYPES = (BLACK_CHECK_SINGLE, BLACK_CHECK_BOTH)
BLACK_NONE, BLACK_A_WITH_B, BLACK_B_WITH_A, BLACK_BOTH_WAY = (
    "BlackCheckResult_Type_NO",
    "BlackCheckResult_Type_AWithB",
    "BlackCheckResult_Type_BWithA",
    "BlackCheckResult_Type_BothWay",
)
AGREE, AGREE_AND_ADD, REJECT = "Response_Action_Agree", "Response_Action_AgreeAndAdd", "Response_Action_Reject"
RESPONSE_ACTIONS = (AGREE, AGREE_AND_ADD, REJECT)
PENDENCY_IN, PENDENCY_OUT, PENDENCY_BOTH = "Pendency_Type_ComeIn", "Pendency_Type_SendOut", "Pendency_Type_Both"
PENDENCY_TYPES = (PENDENCY_IN, PENDENCY_OUT, PENDENCY_BOTH)
NEED_FRIEND = "Need_Friend_Type_Yes"

ALLOW_ANY, NEED_CONFIRM, DENY_ANY = "AllowType_Type_AllowAny", "AllowType_Type_NeedConfirm", "AllowType_Type_DenyAny"

TAG_ADD_SOURCE = "Tag_SNS_IM_AddSource"
TAG_REMARK = "Tag_SNS_IM_Remark"
TAG_GROUP = "Tag_SNS_IM_Group"
TAG_ADD_WORDING = "Tag_SNS_IM_AddWording"
TAG_ADD_TIME = "Tag_SNS_IM_AddTime"
TAG_REMARK_TIME = "Tag_SNS_IM_RemarkTime"
STANDARD_TAGS = (TAG_ADD_SOURCE, TAG_REMARK, TAG_GROUP, TAG_ADD_WORDING, TAG_ADD_TIME, TAG_REMARK_TIME)
WRITABLE_TAGS = (TAG_REMARK, TAG_GROUP)  # the rest are set when the friendship forms
CUSTOM_PREFIX = "Tag_SNS_Custom_"

# --- limits (reference §5; counts per account come from AppConfig) ------------------------------------------------
REMARK_MAX_BYTES = 96
GROUP_NAME_MAX_BYTES = 30
ADD_WORDING_MAX_BYTES = 120
CUSTOM_VALUE_MAX_BYTES = 500
UINT64_MAX = 2**64 - 1
BATCH_MAX = 1000  # To_Account / AddFriendItem per call
SMALL_BATCH_MAX = 100  # friend_update, friend_get_list, friend_response per call
FRIEND_PAGE = 100  # friend_get page size
REQUEST_PAGE = 100  # friend_request_list default/maximum page size
BLACK_PAGE_MAX = 1000  # black_list_get MaxLimited ceiling

_ADD_SOURCE = re.compile(r"^AddSource_Type_[A-Za-z]{1,8}$")
_CUSTOM_KEY = re.compile(r"^[A-Za-z]{1,8}$")

# Per-item result infos Tencent clients (TUIKit) compare against; keep them verbatim.
FRIEND_EXIST = "Err_SNS_FriendAdd_Friend_Exist"
BLACK_EXIST = "Err_SNS_BlackListAdd_Already_Exist"
GROUP_ADD_NOT_FRIEND = "Err_SNS_GroupAdd_ToTinyId_Not_Friend"


# --- value checks (raise 30001 with a message naming the field) ---------------------------------------------------
def _bytes(value: str) -> int:
    return len(value.encode("utf-8"))


def check_text(field_name: str, value: object, max_bytes: int) -> str:
    if not isinstance(value, str):
        raise errors.error(INVALID, f"{field_name} must be a string")
    if _bytes(value) > max_bytes:
        raise errors.error(INVALID, f"{field_name} exceeds {max_bytes} bytes")
    return value


def check_add_source(value: object) -> str:
    if not isinstance(value, str) or not _ADD_SOURCE.match(value):
        raise errors.error(INVALID, "AddSource must be AddSource_Type_ followed by 1-8 letters")
    return value


def check_group_name(value: object, field_name: str = "GroupName") -> str:
    name = check_text(field_name, value, GROUP_NAME_MAX_BYTES)
    if not name:
        raise errors.error(INVALID, f"{field_name} must not be empty")
    return name


def check_group_names(values: object, field_name: str = "GroupName") -> tuple[str, ...]:
    if not isinstance(values, list):
        raise errors.error(INVALID, f"{field_name} must be an array of strings")
    return tuple(dict.fromkeys(check_group_name(v, f"{field_name}[{i}]") for i, v in enumerate(values)))


def is_custom_tag(tag: str) -> bool:
    return tag.startswith(CUSTOM_PREFIX) and bool(_CUSTOM_KEY.match(tag[len(CUSTOM_PREFIX) :]))


def check_custom_value(tag: str, value: object) -> str | int:
    """Custom friend fields hold a string (≤500 bytes) or an unsigned integer."""
    if isinstance(value, bool):
        raise errors.error(INVALID, f"{tag} takes a string or an unsigned integer")
    if isinstance(value, int):
        if not 0 <= value <= UINT64_MAX:
            raise errors.error(INVALID, f"{tag} must be within 0..{UINT64_MAX}")
        return value
    return check_text(tag, value, CUSTOM_VALUE_MAX_BYTES)


def check_sns_tag(tag: object) -> str:
    """A tag friend_get_list may ask for on the SNS side."""
    if not isinstance(tag, str) or not (tag in STANDARD_TAGS or is_custom_tag(tag)):
        raise errors.error(INVALID, f"unknown friend tag {tag!r}")
    return tag


# --- rows ---------------------------------------------------------------------------------------------------------
FRIEND, BLACK, REQ_IN, REQ_OUT = "FRIEND", "BLACK", "REQIN", "REQOUT"
KINDS = (FRIEND, BLACK, REQ_IN, REQ_OUT)


@dataclass(frozen=True)
class Friend:
    """`peer` in the owner's friend list, with the owner's private data about it."""

    peer: str
    add_source: str = ""
    add_wording: str = ""
    add_time: int = 0
    remark: str = ""
    remark_time: int = 0
    groups: tuple[str, ...] = ()
    custom: Mapping[str, str | int] = field(default_factory=dict)
    ord: int = 0  # position in the owner's list (friend_get pages by it)

    def tag(self, tag: str) -> Any:
        """The value of one SNS tag (its default when unset)."""
        standard: dict[str, Any] = {
            TAG_ADD_SOURCE: self.add_source,
            TAG_REMARK: self.remark,
            TAG_GROUP: sorted(self.groups),
            TAG_ADD_WORDING: self.add_wording,
            TAG_ADD_TIME: self.add_time,
            TAG_REMARK_TIME: self.remark_time,
        }
        if tag in standard:
            return standard[tag]
        return self.custom.get(tag, "")

    def standard_items(self) -> list[dict[str, Any]]:
        """friend_get's standard ValueItem: unset remark, wording and groups are left out, as Tencent does."""
        items: list[dict[str, Any]] = [{"Tag": TAG_ADD_SOURCE, "Value": self.add_source}]
        if self.add_wording:
            items.append({"Tag": TAG_ADD_WORDING, "Value": self.add_wording})
        if self.remark:
            items.append({"Tag": TAG_REMARK, "Value": self.remark})
            items.append({"Tag": TAG_REMARK_TIME, "Value": self.remark_time})
        if self.groups:
            items.append({"Tag": TAG_GROUP, "Value": sorted(self.groups)})
        items.append({"Tag": TAG_ADD_TIME, "Value": self.add_time})
        return items

    def custom_items(self) -> list[dict[str, Any]]:
        return [{"Tag": t, "Value": v} for t, v in sorted(self.custom.items())]


@dataclass(frozen=True)
class Block:
    """`peer` in the owner's blacklist."""

    peer: str
    added_at: int
    ord: int = 0


@dataclass(frozen=True)
class FriendRequest:
    """A pending request from `requester` to `target`; stored once under each of them."""

    requester: str
    target: str
    add_type: str
    add_source: str
    add_wording: str
    remark: str  # the requester's remark and group for the target, applied when it is accepted
    group: str
    created: int
    expires: int

    def live(self, now: float) -> bool:
        return self.expires > now

    def public(self) -> dict[str, Any]:
        """What both sides may see (remark and group stay the requester's own)."""
        return {
            "From_Account": self.requester,
            "To_Account": self.target,
            "AddType": self.add_type,
            "AddSource": self.add_source,
            "AddWording": self.add_wording,
            "AddTime": self.created,
            "ExpireTime": self.expires,
        }


@dataclass(frozen=True)
class Pair:
    """Everything stored between `owner` and `peer` (requests may be expired: check `live`)."""

    owner: str
    peer: str
    mine: Friend | None = None  # peer in owner's friend list
    theirs: Friend | None = None  # owner in peer's friend list
    i_block: Block | None = None
    they_block: Block | None = None
    sent: FriendRequest | None = None  # owner → peer
    received: FriendRequest | None = None  # peer → owner


@dataclass(frozen=True)
class RelationMeta:
    """Per-account counters, sequences and friend groups."""

    friends: int = 0
    blacks: int = 0
    pending_in: int = 0
    pending_out: int = 0
    friend_seq: int = 0
    custom_seq: int = 0
    black_seq: int = 0
    group_seq: int = 0
    groups: frozenset[str] = frozenset()


@dataclass(frozen=True)
class RelationLimits:
    friends: int
    blacklist: int
    pending: int
    groups: int


# --- changes the store applies atomically ------------------------------------------------------------------------
@dataclass(frozen=True)
class PutFriend:
    owner: str
    friend: Friend


@dataclass(frozen=True)
class PutBlock:
    owner: str
    block: Block


@dataclass(frozen=True)
class PutRequest:
    request: FriendRequest
    replace: bool = False  # the rows exist (perhaps expired): overwrite without counting


@dataclass(frozen=True)
class DeleteRow:
    owner: str
    kind: str
    peer: str


@dataclass(frozen=True)
class UpdateFriend:
    owner: str
    peer: str
    remark: str | None = None
    remark_time: int = 0
    groups: tuple[str, ...] | None = None  # replaces the membership
    add_groups: tuple[str, ...] = ()
    remove_groups: tuple[str, ...] = ()
    custom: Mapping[str, str | int] = field(default_factory=dict)


@dataclass(frozen=True)
class AddGroups:
    """Create friend groups (names already present are kept); bounded by RelationLimits.groups."""

    owner: str
    names: tuple[str, ...]


@dataclass(frozen=True)
class DeleteGroups:
    owner: str
    names: tuple[str, ...]


Change = PutFriend | PutBlock | PutRequest | DeleteRow | UpdateFriend | AddGroups | DeleteGroups


def delete_request(request: FriendRequest) -> tuple[DeleteRow, DeleteRow]:
    return (
        DeleteRow(request.requester, REQ_OUT, request.target),
        DeleteRow(request.target, REQ_IN, request.requester),
    )


class LimitReached(Exception):
    """A counter of `owner` (`friends`, `blacks`, `pending_in`, `pending_out`, `groups`) would pass its limit."""

    def __init__(self, owner: str, counter: str) -> None:
        super().__init__(f"{owner}: {counter} limit")
        self.owner = owner
        self.counter = counter


class Conflict(Exception):
    """The rows changed between read and write; read again and re-plan."""


class AccountGone(Exception):
    def __init__(self, user: str) -> None:
        super().__init__(user)
        self.user = user


# --- events -------------------------------------------------------------------------------------------------------
FRIEND_ADDED = "friend_added"
FRIEND_DELETED = "friend_deleted"
FRIEND_UPDATED = "friend_updated"
FRIEND_REQUEST = "friend_request"
FRIEND_REQUEST_DELETED = "friend_request_deleted"
BLACKLIST_ADDED = "blacklist_added"
BLACKLIST_DELETED = "blacklist_deleted"
FRIEND_GROUP_ADDED = "friend_group_added"
FRIEND_GROUP_DELETED = "friend_group_deleted"

# friend_request_deleted reasons
ACCEPTED, REFUSED, WITHDRAWN, REMOVED = "accepted", "refused", "withdrawn", "removed"


@dataclass(frozen=True)
class Event:
    """One item of a push event; the service batches items per recipient and event name."""

    name: str
    recipients: tuple[str, ...]
    item: Mapping[str, Any]


def pair_item(owner: str, peer: str) -> dict[str, str]:
    return {"From_Account": owner, "To_Account": peer}


@dataclass(frozen=True)
class Outcome:
    """A plan for one (owner, peer) item: its per-item result code and what to write and push."""

    code: int = 0
    info: str = ""
    changes: tuple[Change, ...] = ()
    events: tuple[Event, ...] = ()


def fail(code: int, info: str | None = None) -> Outcome:
    return Outcome(code, info or errors.CODES.get(code, "error"))


# --- the rules ----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class AddRequest:
    """One AddFriendItem (friend_add) as the requester asked for it."""

    peer: str
    add_source: str
    remark: str = ""
    group: str = ""
    add_wording: str = ""


def _friend_row(owner: str, peer: str, source: str, wording: str, remark: str, group: str, now: int) -> PutFriend:
    return PutFriend(
        owner,
        Friend(
            peer,
            add_source=source,
            add_wording=wording,
            add_time=now,
            remark=remark,
            remark_time=now if remark else 0,
            groups=(group,) if group else (),
        ),
    )


def _groups_for(owner: str, *groups: str) -> tuple[AddGroups, ...]:
    names = tuple(g for g in groups if g)
    return (AddGroups(owner, names),) if names else ()


def _form(
    pair: Pair,
    *,
    mine: PutFriend | None,
    theirs: PutFriend | None,
    closing: Sequence[FriendRequest],
    now: int,
) -> Outcome:
    """Write the missing friend rows, close the given requests (accepted), and tell both sides."""
    changes: list[Change] = []
    events: list[Event] = []
    both = (pair.owner, pair.peer)
    for put in (mine, theirs):
        if put is not None:
            changes.extend(_groups_for(put.owner, *put.friend.groups))
            changes.append(put)
            events.append(Event(FRIEND_ADDED, both, pair_item(put.owner, put.friend.peer)))
    for request in closing:
        changes.extend(delete_request(request))
        if request.live(now):
            item = {**pair_item(request.requester, request.target), "Reason": ACCEPTED}
            events.append(Event(FRIEND_REQUEST_DELETED, both, item))
    return Outcome(0, "", tuple(changes), tuple(events))


def plan_add(
    pair: Pair,
    req: AddRequest,
    *,
    add_type: str,
    allow_type: str,
    force: bool,
    now: int,
    request_ttl: int,
) -> Outcome:
    """friend_add of `pair.peer` by `pair.owner`.

    The peer's consent (its AllowType) is needed for any new row, unless the admin forces it, the peer already has
    the owner in its list, or the peer has itself asked the owner (then this add also accepts that request).
    """
    if pair.i_block is not None:
        return fail(30515, "the account is in your blacklist")
    if pair.they_block is not None:
        return fail(30525, "you are in the account's blacklist")
    need_mine = pair.mine is None
    need_theirs = add_type == ADD_BOTH and pair.theirs is None
    if not need_mine and not need_theirs:
        return fail(30001, FRIEND_EXIST)
    received = pair.received if pair.received is not None and pair.received.live(now) else None
    consent = force or pair.theirs is not None or received is not None or allow_type == ALLOW_ANY
    if not consent:
        if allow_type == DENY_ANY:
            return fail(30516, "the account accepts no friend requests")
        request = FriendRequest(
            pair.owner,
            pair.peer,
            add_type,
            req.add_source,
            req.add_wording,
            req.remark,
            req.group,
            created=now,
            expires=now + request_ttl,
        )
        return Outcome(
            30539,
            "friend request sent; waiting for the account to accept it",
            (PutRequest(request, replace=pair.sent is not None),),
            (Event(FRIEND_REQUEST, (pair.owner, pair.peer), request.public()),),
        )
    mine = (
        _friend_row(pair.owner, pair.peer, req.add_source, req.add_wording, req.remark, req.group, now)
        if need_mine
        else None
    )
    # The peer's row for the owner: wanted by this Both add, or by the peer's own request being accepted here.
    want_theirs = need_theirs or (received is not None and pair.theirs is None)
    theirs = None
    if want_theirs:
        if received is not None:
            theirs = _friend_row(
                pair.peer, pair.owner, received.add_source, received.add_wording, received.remark, received.group, now
            )
        else:
            theirs = _friend_row(pair.peer, pair.owner, req.add_source, req.add_wording, "", "", now)
    closing = [r for r in (pair.sent, pair.received) if r is not None]
    return _form(pair, mine=mine, theirs=theirs, closing=closing, now=now)


def plan_import(pair: Pair, friend: Friend) -> Outcome:
    """friend_import: one-way, no verification (admin migration); blacklists still apply."""
    if pair.i_block is not None:
        return fail(30515, "the account is in your blacklist")
    if pair.they_block is not None:
        return fail(30525, "you are in the account's blacklist")
    if pair.mine is not None:
        return fail(30001, FRIEND_EXIST)
    put = PutFriend(pair.owner, friend)
    changes: tuple[Change, ...] = (*_groups_for(pair.owner, *friend.groups), put)
    event = Event(FRIEND_ADDED, (pair.owner, pair.peer), pair_item(pair.owner, pair.peer))
    return Outcome(0, "", changes, (event,))


def plan_respond(pair: Pair, action: str, remark: str, group: str, *, now: int) -> Outcome:
    """The owner answers the peer's pending request (the peer is the requester)."""
    request = pair.received
    if request is None or not request.live(now):
        return fail(30614, "no pending friend request from the account")
    if action == REJECT:
        changes = delete_request(request)
        item = {**pair_item(request.requester, request.target), "Reason": REFUSED}
        return Outcome(0, "", changes, (Event(FRIEND_REQUEST_DELETED, (pair.owner, pair.peer), item),))
    if pair.i_block is not None:
        return fail(30515, "the account is in your blacklist")
    if pair.they_block is not None:
        return fail(30525, "you are in the account's blacklist")
    # The requester always gets the owner; the owner gets the requester back for a Both request or AgreeAndAdd.
    requester_row = (
        _friend_row(pair.peer, pair.owner, request.add_source, request.add_wording, request.remark, request.group, now)
        if pair.theirs is None
        else None
    )
    owner_wants = action == AGREE_AND_ADD or request.add_type == ADD_BOTH
    owner_row = (
        _friend_row(pair.owner, pair.peer, request.add_source, request.add_wording, remark, group, now)
        if owner_wants and pair.mine is None
        else None
    )
    closing = [request] + ([pair.sent] if pair.sent is not None and owner_wants else [])
    return _form(pair, mine=owner_row, theirs=requester_row, closing=closing, now=now)


def plan_withdraw(pair: Pair, *, now: int) -> Outcome:
    request = pair.sent
    if request is None:
        return fail(30614, "no pending friend request to the account")
    changes = delete_request(request)
    if not request.live(now):
        # already expired: clean the rows, but to the caller it did not exist
        return Outcome(30614, "no pending friend request to the account", changes)
    item = {**pair_item(request.requester, request.target), "Reason": WITHDRAWN}
    return Outcome(0, "", changes, (Event(FRIEND_REQUEST_DELETED, (pair.owner, pair.peer), item),))


@dataclass(frozen=True)
class FriendEdit:
    """friend_update of one friend (group_add uses `add_groups`); None leaves a value as it is."""

    remark: str | None = None
    groups: tuple[str, ...] | None = None  # replaces the membership
    custom: Mapping[str, str | int] = field(default_factory=dict)
    add_groups: tuple[str, ...] = ()

    def merged(self, later: FriendEdit) -> FriendEdit:
        """Two items for one friend in a request: later values win."""
        return FriendEdit(
            later.remark if later.remark is not None else self.remark,
            later.groups if later.groups is not None else self.groups,
            {**self.custom, **later.custom},
            tuple(dict.fromkeys(self.add_groups + later.add_groups)),
        )


def plan_update(
    pair: Pair, edit: FriendEdit, *, now: int, not_friend: tuple[int, str] = (31704, "the account is not your friend")
) -> Outcome:
    """Edit a friend row; groups named here are created when missing (bounded by the group limit)."""
    if pair.mine is None:
        return fail(*not_friend)
    changes: list[Change] = []
    new_groups = (edit.groups or ()) + edit.add_groups
    if new_groups:
        changes.append(AddGroups(pair.owner, tuple(dict.fromkeys(new_groups))))
    changes.append(
        UpdateFriend(
            pair.owner,
            pair.peer,
            remark=edit.remark,
            remark_time=now,
            groups=None if edit.groups is None else tuple(dict.fromkeys(edit.groups + edit.add_groups)),
            add_groups=edit.add_groups if edit.groups is None else (),
            custom=dict(edit.custom),
        )
    )
    sns: list[dict[str, Any]] = []
    if edit.remark is not None:
        sns.append({"Tag": TAG_REMARK, "Value": edit.remark})
    if edit.groups is not None or edit.add_groups:
        base = set(edit.groups) if edit.groups is not None else set(pair.mine.groups)
        sns.append({"Tag": TAG_GROUP, "Value": sorted(base | set(edit.add_groups))})
    sns += [{"Tag": t, "Value": v} for t, v in sorted(edit.custom.items())]
    item = {**pair_item(pair.owner, pair.peer), "SnsItem": sns}
    return Outcome(0, "", tuple(changes), (Event(FRIEND_UPDATED, (pair.owner,), item),))


def plan_delete(pair: Pair, delete_type: str) -> Outcome:
    rows = [pair.mine is not None, delete_type == DELETE_BOTH and pair.theirs is not None]
    if not any(rows):
        return fail(31704, "the account is not your friend")
    changes: list[Change] = []
    events: list[Event] = []
    both = (pair.owner, pair.peer)
    if rows[0]:
        changes.append(DeleteRow(pair.owner, FRIEND, pair.peer))
        events.append(Event(FRIEND_DELETED, both, pair_item(pair.owner, pair.peer)))
    if rows[1]:
        changes.append(DeleteRow(pair.peer, FRIEND, pair.owner))
        events.append(Event(FRIEND_DELETED, both, pair_item(pair.peer, pair.owner)))
    return Outcome(0, "", tuple(changes), tuple(events))


def plan_block(pair: Pair, *, now: int) -> Outcome:
    """black_list_add: the friendship goes both ways (as Tencent does) and pending requests between them close."""
    if pair.i_block is not None:
        return fail(30001, BLACK_EXIST)
    changes: list[Change] = [PutBlock(pair.owner, Block(pair.peer, now))]
    events: list[Event] = [
        Event(BLACKLIST_ADDED, (pair.owner,), {**pair_item(pair.owner, pair.peer), "AddBlackTimeStamp": now})
    ]
    both = (pair.owner, pair.peer)
    for owner, peer, row in ((pair.owner, pair.peer, pair.mine), (pair.peer, pair.owner, pair.theirs)):
        if row is not None:
            changes.append(DeleteRow(owner, FRIEND, peer))
            events.append(Event(FRIEND_DELETED, both, pair_item(owner, peer)))
    for request in (pair.sent, pair.received):
        if request is not None:
            changes.extend(delete_request(request))
            if request.live(now):
                item = {**pair_item(request.requester, request.target), "Reason": REMOVED}
                events.append(Event(FRIEND_REQUEST_DELETED, both, item))
    return Outcome(0, "", tuple(changes), tuple(events))


def plan_unblock(pair: Pair) -> Outcome:
    if pair.i_block is None:
        return fail(30001, "the account is not in your blacklist")
    event = Event(BLACKLIST_DELETED, (pair.owner,), pair_item(pair.owner, pair.peer))
    return Outcome(0, "", (DeleteRow(pair.owner, BLACK, pair.peer),), (event,))


def _relation(a_to_b: bool, b_to_a: bool, single: bool, names: tuple[str, str, str, str]) -> str:
    none, a_with_b, b_with_a, both_way = names
    if single:
        return a_with_b if a_to_b else none
    if a_to_b:
        return both_way if b_to_a else a_with_b
    return b_with_a if b_to_a else none


def friend_relation(pair: Pair, check_type: str) -> str:
    """friend_check's Relation: A is the owner, B the peer; Single looks only at A's list."""
    names = (REL_NONE, REL_A_WITH_B, REL_B_WITH_A, REL_BOTH_WAY)
    return _relation(pair.mine is not None, pair.theirs is not None, check_type == CHECK_SINGLE, names)


def black_relation(pair: Pair, check_type: str) -> str:
    """black_list_check's Relation: AWithB = B is in A's blacklist; Single looks only at A's blacklist."""
    names = (BLACK_NONE, BLACK_A_WITH_B, BLACK_B_WITH_A, BLACK_BOTH_WAY)
    return _relation(pair.i_block is not None, pair.they_block is not None, check_type == BLACK_CHECK_SINGLE, names)


def limit_code(counter: str, *, acting_owner: bool) -> int:
    """The Tencent code for a limit hit on `counter` (friends of the acting account vs of the peer)."""
    if counter == "friends":
        return 30010 if acting_owner else 30014
    return {"blacks": 30013, "pending_in": 30012, "pending_out": 30012, "groups": 30011}.get(counter, 30006)


def allow_type_of(profile: Mapping[str, Any] | None) -> str:
    value = (profile or {}).get("Tag_Profile_IM_AllowType")
    return value if value in (ALLOW_ANY, NEED_CONFIRM, DENY_ANY) else NEED_CONFIRM


@dataclass(frozen=True)
class ItemResult:
    """One per-item answer (ResultItem / InfoItem): code 0 is success; 30539 is a request sent."""

    peer: str
    code: int = 0
    info: str = ""

    @property
    def failed(self) -> bool:
        """Listed in Fail_Account (a pending request is a success of its own kind)."""
        return self.code not in (0, 30539)
