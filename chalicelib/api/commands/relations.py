"""sns: friends, friend requests, friend groups and blacklist (Tencent's relationship-chain commands + requests).

Every command acts as `From_Account`: an account manages only its own relations, the admin anyone's.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from chalicelib.api import fields as f
from chalicelib.api.context import AuthContext
from chalicelib.api.fields import Body
from chalicelib.api.registry import command
from chalicelib.domain import errors, profiles
from chalicelib.domain import relations as rel
from chalicelib.services.relations import Response
from chalicelib.wiring import services

ACTING = "From_Account"
OWNER = f.account(ACTING)
PEERS = f.accounts("To_Account", required=True)


# --- parsing ------------------------------------------------------------------------------------------------------
def _owner(ctx: AuthContext, body: Body) -> str:
    """The acting account: required from the admin, the caller itself otherwise."""
    return ctx.acting_user(body.user(ACTING, required=ctx.is_admin))


def _clean(ctx: AuthContext, texts: Iterable[str | None], what: str) -> None:
    """Friend remarks, request wordings and friend group names hold no dirty word of the app's list: 30005, the
    relation chain's code for it (reference §4), before anything is written."""
    services().dirty_words.check(ctx.app, [t for t in texts if t], code=30005, what=what)


def _peers(body: Body, name: str = "To_Account", max_items: int = rel.BATCH_MAX) -> list[str]:
    return list(body.users(name, required=True, min_items=1, max_items=max_items))


def _optional_text(item: Body, name: str, max_bytes: int) -> str:
    return str(item.string(name, max_bytes=max_bytes, default=""))


def _group(item: Body) -> str:
    value = item.raw("GroupName")
    # tencentcloud-sdk-python-im sends GroupName "" for "no friend group": the same as leaving it out
    return "" if value is None or value == "" else rel.check_group_name(value)


def _add_items(body: Body) -> list[rel.AddRequest]:
    return [
        rel.AddRequest(
            peer=item.user("To_Account", required=True),
            add_source=rel.check_add_source(item.raw("AddSource")),
            remark=_optional_text(item, "Remark", rel.REMARK_MAX_BYTES),
            group=_group(item),
            add_wording=_optional_text(item, "AddWording", rel.ADD_WORDING_MAX_BYTES),
        )
        for item in body.objects("AddFriendItem", required=True, min_items=1, max_items=rel.BATCH_MAX) or []
    ]


def _custom_items(items: list[Body] | None) -> dict[str, str | int]:
    out: dict[str, str | int] = {}
    for item in items or []:
        tag = item.string("Tag", required=True)
        if not rel.is_custom_tag(tag):
            raise errors.error(rel.INVALID, f"{tag!r} is not a Tag_SNS_Custom_<1-8 letters> tag")
        if "Value" not in item:
            raise errors.error(rel.INVALID, f"{tag} needs a Value")
        out[tag] = rel.check_custom_value(tag, item.raw("Value"))
    return out


def _import_items(body: Body, now: int) -> list[rel.Friend]:
    friends = []
    for item in body.objects("AddFriendItem", required=True, min_items=1, max_items=rel.BATCH_MAX) or []:
        remark = _optional_text(item, "Remark", rel.REMARK_MAX_BYTES)
        groups = item.raw("GroupName")
        friends.append(
            rel.Friend(
                peer=item.user("To_Account", required=True),
                add_source=rel.check_add_source(item.raw("AddSource")),
                add_wording=_optional_text(item, "AddWording", rel.ADD_WORDING_MAX_BYTES),
                add_time=item.integer("AddTime", max_value=rel.UINT64_MAX, default=now),
                remark=remark,
                remark_time=item.integer("RemarkTime", max_value=rel.UINT64_MAX, default=0),
                groups=() if groups is None else rel.check_group_names(groups),
                custom=_custom_items(item.objects("CustomItem")),
            )
        )
    return friends


def _edit(item: Body) -> tuple[str, rel.FriendEdit]:
    peer = item.user("To_Account", required=True)
    remark: str | None = None
    groups: tuple[str, ...] | None = None
    custom: dict[str, str | int] = {}
    for sns in item.objects("SnsItem", required=True, min_items=1) or []:
        tag = sns.string("Tag", required=True)
        if "Value" not in sns:
            raise errors.error(rel.INVALID, f"{tag} needs a Value")
        value = sns.raw("Value")
        if tag == rel.TAG_REMARK:
            remark = rel.check_text(tag, value, rel.REMARK_MAX_BYTES)
        elif tag == rel.TAG_GROUP:
            groups = rel.check_group_names(value, tag)
        elif rel.is_custom_tag(tag):
            custom[tag] = rel.check_custom_value(tag, value)
        else:
            raise errors.error(rel.INVALID, f"{tag!r} cannot be written (Remark, Group and custom tags can)")
    return peer, rel.FriendEdit(remark=remark, groups=groups, custom=custom)


def _tag_list(body: Body) -> list[str]:
    tags = body.array("TagList", required=True, min_items=1) or []
    for tag in tags:
        if isinstance(tag, str) and tag.startswith("Tag_Profile_"):
            try:
                profiles.check_tag_name(tag)
            except errors.DomainError as err:
                raise errors.error(rel.INVALID, f"TagList: {err.info}") from err
        else:
            rel.check_sns_tag(tag)
    return list(tags)


def _results(results: list[rel.ItemResult], name: str = "ResultItem") -> dict[str, Any]:
    out: dict[str, Any] = {name: [{"To_Account": r.peer, "ResultCode": r.code, "ResultInfo": r.info} for r in results]}
    failed = [r.peer for r in results if r.failed]
    if failed:
        out["Fail_Account"] = failed
    return out


def _checked(pairs: list[tuple[rel.ItemResult, str]], name: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        name: [
            {"To_Account": r.peer, "Relation": relation, "ResultCode": r.code, "ResultInfo": r.info}
            for r, relation in pairs
        ]
    }
    failed = [r.peer for r, _ in pairs if r.failed]
    if failed:
        out["Fail_Account"] = failed
    return out


def _request_item(request: rel.FriendRequest, owner: str) -> dict[str, Any]:
    incoming = request.target == owner
    item = {"PendencyType": rel.PENDENCY_IN if incoming else rel.PENDENCY_OUT, **request.public()}
    if not incoming:  # the requester's own remark and group for the peer
        item.update({"Remark": request.remark, "GroupName": request.group})
    return item


# --- friends ------------------------------------------------------------------------------------------------------
@command(
    "sns/friend_add",
    acting_field=ACTING,
    fields=(
        OWNER,
        f.objects(
            "AddFriendItem",
            f.account("To_Account", required=True),
            f.anything("AddSource", sample="AddSource_Type_Test"),
            f.string("Remark", max_bytes=rel.REMARK_MAX_BYTES),
            f.anything("GroupName"),
            f.string("AddWording", max_bytes=rel.ADD_WORDING_MAX_BYTES),
            required=True,
        ),
        f.string("AddType", choices=rel.ADD_TYPES),
        f.flag("ForceAddFlags"),
    ),
)
def friend_add(ctx: AuthContext, body: Body) -> dict[str, Any]:
    owner = _owner(ctx, body)
    items = _add_items(body)
    _clean(ctx, (t for i in items for t in (i.remark, i.add_wording, i.group)), "Remark, AddWording or GroupName")
    add_type = body.string("AddType", default=rel.ADD_BOTH, choices=rel.ADD_TYPES)
    force = body.integer("ForceAddFlags", default=0, min_value=0, max_value=1) == 1
    if force and not ctx.is_admin:
        raise errors.error(30004, "ForceAddFlags is for the App admin only")
    results = services().relations.add_friends(
        ctx.app, owner, items, add_type=add_type, force=force, origin=ctx.connection_id
    )
    return _results(results)


@command(
    "sns/friend_import",
    fields=(
        OWNER,
        f.objects(
            "AddFriendItem",
            f.string("Remark", max_bytes=rel.REMARK_MAX_BYTES),
            f.account("To_Account", required=True),
            f.anything("AddSource", sample="AddSource_Type_Test"),
            f.string("AddWording", max_bytes=rel.ADD_WORDING_MAX_BYTES),
            f.uint64("AddTime"),
            f.uint64("RemarkTime"),
            f.anything("GroupName"),
            f.objects("CustomItem", f.string("Tag", required=True), f.anything("Value")),
            required=True,
        ),
    ),
)
def friend_import(ctx: AuthContext, body: Body) -> dict[str, Any]:
    owner = _owner(ctx, body)
    friends = _import_items(body, int(services().clock.now()))
    _clean(ctx, (t for i in friends for t in (i.remark, i.add_wording, *i.groups)), "Remark, AddWording or GroupName")
    return _results(services().relations.import_friends(ctx.app, owner, friends, origin=ctx.connection_id))


@command(
    "sns/friend_update",
    acting_field=ACTING,
    fields=(
        OWNER,
        f.objects(
            "UpdateItem",
            f.account("To_Account", required=True),
            f.objects(
                "SnsItem",
                f.string("Tag", required=True, sample="Tag_SNS_IM_Remark"),
                f.anything("Value", sample="r"),
                required=True,
            ),
            required=True,
        ),
    ),
)
def friend_update(ctx: AuthContext, body: Body) -> dict[str, Any]:
    owner = _owner(ctx, body)
    items = body.objects("UpdateItem", required=True, min_items=1, max_items=rel.SMALL_BATCH_MAX) or []
    edits = [_edit(item) for item in items]
    _clean(ctx, (t for _, e in edits for t in (e.remark, *(e.groups or ()))), "Tag_SNS_IM_Remark or Tag_SNS_IM_Group")
    return _results(services().relations.update_friends(ctx.app, owner, edits, origin=ctx.connection_id))


@command(
    "sns/friend_delete",
    acting_field=ACTING,
    fields=(OWNER, PEERS, f.string("DeleteType", choices=rel.DELETE_TYPES)),
)
def friend_delete(ctx: AuthContext, body: Body) -> dict[str, Any]:
    owner = _owner(ctx, body)
    peers = _peers(body)
    delete_type = body.string("DeleteType", default=rel.DELETE_BOTH, choices=rel.DELETE_TYPES)
    return _results(services().relations.delete_friends(ctx.app, owner, peers, delete_type, origin=ctx.connection_id))


@command("sns/friend_delete_all", acting_field=ACTING, fields=(OWNER, f.string("DeleteType", choices=rel.DELETE_TYPES)))
def friend_delete_all(ctx: AuthContext, body: Body) -> dict[str, Any]:
    owner = _owner(ctx, body)
    delete_type = body.string("DeleteType", default=rel.DELETE_SINGLE, choices=rel.DELETE_TYPES)
    services().relations.delete_all_friends(ctx.app, owner, delete_type, origin=ctx.connection_id)
    return {}


@command(
    "sns/friend_check",
    acting_field=ACTING,
    fields=(OWNER, PEERS, f.string("CheckType", required=True, choices=rel.CHECK_TYPES)),
)
def friend_check(ctx: AuthContext, body: Body) -> dict[str, Any]:
    owner = _owner(ctx, body)
    peers = _peers(body)
    check_type = body.string("CheckType", required=True, choices=rel.CHECK_TYPES)
    return _checked(services().relations.check_friends(ctx.app, owner, peers, check_type), "InfoItem")


@command(
    "sns/friend_get",
    acting_field=ACTING,
    fields=(
        OWNER,
        f.uint32("StartIndex", required=True),
        f.uint64("StandardSequence"),
        f.uint64("CustomSequence"),
    ),
)
def friend_get(ctx: AuthContext, body: Body) -> dict[str, Any]:
    owner = _owner(ctx, body)
    start = body.integer("StartIndex", required=True)
    standard = body.integer("StandardSequence", default=0, max_value=f.UINT64_MAX)
    custom = body.integer("CustomSequence", default=0, max_value=f.UINT64_MAX)
    page = services().relations.friend_page(ctx.app, owner, start, standard, custom)
    items = [
        {
            "To_Account": f.peer,
            "ValueItem": (f.standard_items() if page.with_standard else [])
            + (f.custom_items() if page.with_custom else []),
        }
        for f in page.friends
    ]
    return {
        "UserDataItem": items,
        "StandardSequence": page.meta.friend_seq,
        "CustomSequence": page.meta.custom_seq,
        "FriendNum": page.meta.friends,
        "CompleteFlag": 0 if page.next_start else 1,
        "NextStartIndex": page.next_start,
    }


@command(
    "sns/friend_get_all",
    acting_field=ACTING,
    fields=(
        OWNER,
        f.uint32("TimeStamp"),
        f.uint32("StartIndex"),
        f.strings("TagList"),
        f.uint64("LastStandardSequence"),
        f.uint32("GetCount"),
    ),
)
def friend_get_all(ctx: AuthContext, body: Body) -> dict[str, Any]:
    """The legacy (pre-friend_get) listing old clients still call: pages of friend_get's size, every standard
    field, always in full (NeedUpdateAll_Yes: no incremental update, the client replaces its list)."""
    owner = _owner(ctx, body)
    page = services().relations.friend_page(ctx.app, owner, body.integer("StartIndex", default=0), 0, 0)
    return {
        "NeedUpdateAll": "NeedUpdateAll_Yes",
        "TimeStampNow": int(services().clock.now()),
        "StartIndex": page.next_start,
        "InfoItem": [{"Info_Account": fr.peer, "SnsProfileItem": fr.standard_items()} for fr in page.friends],
        "CurrentStandardSequence": page.meta.friend_seq,
        "FriendNum": page.meta.friends,
        "CompleteFlag": 0 if page.next_start else 1,
    }


@command(
    "sns/friend_get_list",
    acting_field=ACTING,
    fields=(OWNER, PEERS, f.array("TagList", required=True, sample=["Tag_SNS_IM_Remark"])),
)
def friend_get_list(ctx: AuthContext, body: Body) -> dict[str, Any]:
    owner = _owner(ctx, body)
    peers = _peers(body, max_items=rel.SMALL_BATCH_MAX)
    listed = services().relations.friend_list(ctx.app, owner, peers, _tag_list(body))
    items = [
        {
            "To_Account": f.peer,
            "SnsProfileItem": [{"Tag": t, "Value": v} for t, v in f.items],
            "ResultCode": 0,
            "ResultInfo": "",
        }
        if f.items is not None
        else {"To_Account": f.peer, "SnsProfileItem": [], "ResultCode": 31704, "ResultInfo": "not a friend"}
        for f in listed
    ]
    out: dict[str, Any] = {"InfoItem": items}
    failed = [f.peer for f in listed if f.items is None]
    if failed:
        out["Fail_Account"] = failed
    return out


# --- friend requests (beyond Tencent's REST surface) -------------------------------------------------------------
@command(
    "sns/friend_request_list",
    acting_field=ACTING,
    fields=(
        OWNER,
        f.string("PendencyType", choices=rel.PENDENCY_TYPES),
        f.string("Cursor", max_bytes=512),
        f.uint32("MaxLimited", min_value=1, max_value=rel.REQUEST_PAGE),
    ),
)
def friend_request_list(ctx: AuthContext, body: Body) -> dict[str, Any]:
    owner = _owner(ctx, body)
    pendency = body.string("PendencyType", default=rel.PENDENCY_BOTH, choices=rel.PENDENCY_TYPES)
    cursor = body.string("Cursor", default=None, max_bytes=512) or None  # a NextCursor we issued; DynamoDB keys ≤1 KB
    size = body.integer("MaxLimited", default=rel.REQUEST_PAGE, min_value=1, max_value=rel.REQUEST_PAGE)
    page = services().relations.list_requests(ctx.app, owner, pendency, cursor, size)
    items = [_request_item(r, owner) for r in page.incoming + page.outgoing]
    return {"PendencyItem": items, "NextCursor": page.next_cursor, "CompleteFlag": 0 if page.next_cursor else 1}


@command(
    "sns/friend_response",
    acting_field=ACTING,
    fields=(
        OWNER,
        f.objects(
            "ResponseFriendItem",
            f.account("To_Account", required=True),
            f.string("ResponseAction", required=True, choices=rel.RESPONSE_ACTIONS),
            f.string("Remark", max_bytes=rel.REMARK_MAX_BYTES),
            f.anything("GroupName"),
            required=True,
        ),
    ),
)
def friend_response(ctx: AuthContext, body: Body) -> dict[str, Any]:
    owner = _owner(ctx, body)
    items = body.objects("ResponseFriendItem", required=True, min_items=1, max_items=rel.SMALL_BATCH_MAX) or []
    responses = [
        Response(
            peer=item.user("To_Account", required=True),
            action=item.string("ResponseAction", required=True, choices=rel.RESPONSE_ACTIONS),
            remark=_optional_text(item, "Remark", rel.REMARK_MAX_BYTES),
            group=_group(item),
        )
        for item in items
    ]
    _clean(ctx, (t for r in responses for t in (r.remark, r.group)), "Remark or GroupName")
    return _results(services().relations.respond(ctx.app, owner, responses, origin=ctx.connection_id))


@command("sns/friend_request_withdraw", acting_field=ACTING, fields=(OWNER, PEERS))
def friend_request_withdraw(ctx: AuthContext, body: Body) -> dict[str, Any]:
    owner = _owner(ctx, body)
    peers = _peers(body)
    return _results(services().relations.withdraw(ctx.app, owner, peers, origin=ctx.connection_id))


# --- blacklist ----------------------------------------------------------------------------------------------------
@command("sns/black_list_add", acting_field=ACTING, fields=(OWNER, PEERS))
def black_list_add(ctx: AuthContext, body: Body) -> dict[str, Any]:
    owner = _owner(ctx, body)
    peers = _peers(body)
    return _results(services().relations.block(ctx.app, owner, peers, origin=ctx.connection_id))


@command("sns/black_list_delete", acting_field=ACTING, fields=(OWNER, PEERS))
def black_list_delete(ctx: AuthContext, body: Body) -> dict[str, Any]:
    owner = _owner(ctx, body)
    peers = _peers(body)
    return _results(services().relations.unblock(ctx.app, owner, peers, origin=ctx.connection_id))


@command(
    "sns/black_list_get",
    acting_field=ACTING,
    fields=(
        OWNER,
        f.uint32("StartIndex", required=True),
        f.uint32("MaxLimited", required=True, min_value=1, max_value=rel.BLACK_PAGE_MAX),
        f.uint64("LastSequence"),
    ),
)
def black_list_get(ctx: AuthContext, body: Body) -> dict[str, Any]:
    owner = _owner(ctx, body)
    start = body.integer("StartIndex", required=True)
    size = body.integer("MaxLimited", required=True, min_value=1, max_value=rel.BLACK_PAGE_MAX)
    last_seq = body.integer("LastSequence", default=0, max_value=f.UINT64_MAX)
    blocks, nxt, seq = services().relations.black_page(ctx.app, owner, start, size, last_seq)
    return {
        "BlackListItem": [{"To_Account": b.peer, "AddBlackTimeStamp": b.added_at} for b in blocks],
        "StartIndex": nxt,
        "CurruentSequence": seq,  # sic: Tencent's wire name
    }


@command(
    "sns/black_list_check",
    acting_field=ACTING,
    fields=(OWNER, PEERS, f.string("CheckType", required=True, choices=rel.BLACK_CHECK_TYPES)),
)
def black_list_check(ctx: AuthContext, body: Body) -> dict[str, Any]:
    owner = _owner(ctx, body)
    peers = _peers(body)
    check_type = body.string("CheckType", required=True, choices=rel.BLACK_CHECK_TYPES)
    return _checked(services().relations.check_blocks(ctx.app, owner, peers, check_type), "BlackListCheckItem")


# --- friend groups ------------------------------------------------------------------------------------------------
@command(
    "sns/group_add",
    acting_field=ACTING,
    fields=(OWNER, f.array("GroupName", required=True, sample=["g1"]), f.accounts("To_Account")),
)
def group_add(ctx: AuthContext, body: Body) -> dict[str, Any]:
    owner = _owner(ctx, body)
    names = rel.check_group_names(body.array("GroupName", required=True, min_items=1))
    _clean(ctx, names, "GroupName")
    peers = body.users("To_Account", max_items=rel.BATCH_MAX) or []
    results, seq = services().relations.add_groups(ctx.app, owner, names, peers, origin=ctx.connection_id)
    return {**(_results(results) if peers else {}), "CurrentSequence": seq}


@command("sns/group_delete", acting_field=ACTING, fields=(OWNER, f.array("GroupName", required=True, sample=["g1"])))
def group_delete(ctx: AuthContext, body: Body) -> dict[str, Any]:
    owner = _owner(ctx, body)
    names = rel.check_group_names(body.array("GroupName", required=True, min_items=1))
    return {"CurrentSequence": services().relations.delete_groups(ctx.app, owner, names, origin=ctx.connection_id)}


@command(
    "sns/group_get",
    acting_field=ACTING,
    fields=(OWNER, f.string("NeedFriend", choices=(rel.NEED_FRIEND,)), f.anything("GroupName")),
)
def group_get(ctx: AuthContext, body: Body) -> dict[str, Any]:
    owner = _owner(ctx, body)
    need_friend = body.string("NeedFriend", default=None, choices=(rel.NEED_FRIEND,)) == rel.NEED_FRIEND
    names = body.raw("GroupName")
    wanted = None if names is None else rel.check_group_names(names)
    groups, seq = services().relations.get_groups(ctx.app, owner, wanted)
    items = [{"GroupName": n, "FriendNumber": len(m), **({"To_Account": m} if need_friend else {})} for n, m in groups]
    return {"ResultItem": items, "CurrentSequence": seq}
