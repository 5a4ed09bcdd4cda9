"""Callbacks to the app backend (Tencent IM's third-party callback protocol): which commands exist, the per-app
configuration, the request's query and `Sign`, each command's body, how an answer is read, and which addresses a
callback may reach. Stdlib only; services/callbacks.py sends them, hooks/http.py is the HTTP client.

Protocol (as Tencent's): `POST {URL}?SdkAppid=&CallbackCommand=&contenttype=json&ClientIP=&OptPlatform=` with a
JSON body; with a token also `&RequestTime=<unix s>&Sign=<hex sha256(token + RequestTime)>`. Answer:
`{"ActionStatus": "OK", "ErrorCode": 0, "ErrorInfo": ""}`. Before-callbacks decide: ErrorCode 0 allows, 1 refuses
(the sender gets Tencent's "refused by callback" code), 2 drops a message silently (the sender sees success,
nothing is stored or delivered), 120001-130000 refuses with that code and the answer's ErrorInfo. A before-send
answer that allows may replace `MsgBody` and `CloudCustomData`. After-callbacks ignore the answer.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode, urlsplit

from chalicelib.domain import errors

# --- commands ---------------------------------------------------------------------------------------------------
C2C_BEFORE_SEND = "C2C.CallbackBeforeSendMsg"
C2C_AFTER_SEND = "C2C.CallbackAfterSendMsg"
C2C_AFTER_WITHDRAW = "C2C.CallbackAfterMsgWithDraw"
C2C_AFTER_REPORT = "C2C.CallbackAfterMsgReport"
GROUP_BEFORE_SEND = "Group.CallbackBeforeSendMsg"
GROUP_AFTER_SEND = "Group.CallbackAfterSendMsg"
GROUP_BEFORE_CREATE = "Group.CallbackBeforeCreateGroup"
GROUP_AFTER_CREATE = "Group.CallbackAfterCreateGroup"
GROUP_BEFORE_APPLY = "Group.CallbackBeforeApplyJoinGroup"
GROUP_AFTER_JOIN = "Group.CallbackAfterNewMemberJoin"
GROUP_AFTER_EXIT = "Group.CallbackAfterMemberExit"
GROUP_AFTER_DESTROY = "Group.CallbackAfterGroupDestroyed"
GROUP_AFTER_INFO = "Group.CallbackAfterGroupInfoChanged"
SNS_BEFORE_FRIEND_ADD = "Sns.CallbackPrevFriendAdd"
SNS_FRIEND_ADD = "Sns.CallbackFriendAdd"
SNS_FRIEND_DELETE = "Sns.CallbackFriendDelete"
SNS_BLACKLIST_ADD = "Sns.CallbackBlackListAdd"
SNS_BLACKLIST_DELETE = "Sns.CallbackBlackListDelete"
PROFILE_PORTRAIT_SET = "Profile.CallbackPortraitSet"
STATE_CHANGE = "State.StateChange"

# Before-callbacks run in the request and decide; the others are notifications sent through the task queue.
BEFORE: frozenset[str] = frozenset(
    {C2C_BEFORE_SEND, GROUP_BEFORE_SEND, GROUP_BEFORE_CREATE, GROUP_BEFORE_APPLY, SNS_BEFORE_FRIEND_ADD}
)
COMMANDS: tuple[str, ...] = (
    C2C_BEFORE_SEND,
    C2C_AFTER_SEND,
    C2C_AFTER_WITHDRAW,
    C2C_AFTER_REPORT,
    GROUP_BEFORE_SEND,
    GROUP_AFTER_SEND,
    GROUP_BEFORE_CREATE,
    GROUP_AFTER_CREATE,
    GROUP_BEFORE_APPLY,
    GROUP_AFTER_JOIN,
    GROUP_AFTER_EXIT,
    GROUP_AFTER_DESTROY,
    GROUP_AFTER_INFO,
    SNS_BEFORE_FRIEND_ADD,
    SNS_FRIEND_ADD,
    SNS_FRIEND_DELETE,
    SNS_BLACKLIST_ADD,
    SNS_BLACKLIST_DELETE,
    PROFILE_PORTRAIT_SET,
    STATE_CHANGE,
)
# The sender's code when a before-callback answers ErrorCode 1 (Tencent: 20006 for C2C, 10016 elsewhere).
REFUSED_C2C = 20006
REFUSED = 10016
APP_CODES = (120001, 130000)  # an app's own refusal codes, passed to the sender with its ErrorInfo
# ForbidCallbackControl values (sendmsg, send_group_msg)
FORBID_BEFORE = "ForbidBeforeSendMsgCallback"
FORBID_AFTER = "ForbidAfterSendMsgCallback"

# --- configuration ----------------------------------------------------------------------------------------------
DEFAULT_TIMEOUT_MS = 2000
MAX_TIMEOUT_MS = 5000
MIN_TIMEOUT_MS = 100
ALLOW, REFUSE = "allow", "refuse"  # what a failed or timed-out before-callback means
URL_MAX_BYTES = 1024
TOKEN_MAX_BYTES = 128  # Tencent: a callback token is 1 to 128 characters
MAX_RESPONSE_BYTES = 64 * 1024  # an answer beyond this is a failure (bodies are bounded)
MAX_REQUEST_BYTES = 256 * 1024


@dataclass(frozen=True)
class CallbackConfig:
    """One app's callback settings. Empty `url`: no callback is sent."""

    url: str = ""
    commands: frozenset[str] = frozenset()
    timeout_ms: int = DEFAULT_TIMEOUT_MS
    on_failure: str = ALLOW
    token: str = ""

    def enabled(self, command: str) -> bool:
        return bool(self.url) and command in self.commands

    @property
    def timeout(self) -> float:
        return self.timeout_ms / 1000

    def to_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "commands": sorted(self.commands),
            "timeout_ms": self.timeout_ms,
            "on_failure": self.on_failure,
            "token": self.token,
        }

    def public(self) -> dict[str, Any]:
        """What REST, the CLI and the console show: the token never, only whether one is set."""
        return {
            "URL": self.url,
            "Commands": sorted(self.commands),
            "TimeoutMs": self.timeout_ms,
            "OnFailure": self.on_failure,
            "TokenSet": 1 if self.token else 0,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> CallbackConfig:
        d = data or {}
        return cls(
            url=str(d.get("url") or ""),
            commands=frozenset(str(c) for c in d.get("commands") or () if c in COMMANDS),
            timeout_ms=int(d.get("timeout_ms") or DEFAULT_TIMEOUT_MS),
            on_failure=str(d.get("on_failure") or ALLOW),
            token=str(d.get("token") or ""),
        )

    def updated(
        self,
        *,
        url: str | None = None,
        commands: list[str] | None = None,
        timeout_ms: int | None = None,
        on_failure: str | None = None,
        token: str | None = None,
        local: bool,
    ) -> CallbackConfig:
        """The named settings changed, each checked (InvalidParam, 70402); the URL's form too (`check_url`)."""
        result = self
        if url is not None:
            if url:
                check_url(url, local=local)
            result = replace(result, url=url)
        if commands is not None:
            names = [c.strip() for c in commands if c.strip()]
            if names == ["all"]:
                names = list(COMMANDS)
            unknown = [c for c in names if c not in COMMANDS]
            if unknown:
                raise errors.InvalidParam(f"unknown CallbackCommand {unknown[0]!r}; known: {', '.join(COMMANDS)}")
            result = replace(result, commands=frozenset(names))
        if timeout_ms is not None:
            if not MIN_TIMEOUT_MS <= timeout_ms <= MAX_TIMEOUT_MS:
                raise errors.InvalidParam(f"the timeout is {MIN_TIMEOUT_MS} to {MAX_TIMEOUT_MS} ms")
            result = replace(result, timeout_ms=timeout_ms)
        if on_failure is not None:
            if on_failure not in (ALLOW, REFUSE):
                raise errors.InvalidParam("OnFailure is allow or refuse")
            result = replace(result, on_failure=on_failure)
        if token is not None:
            if len(token.encode("utf-8")) > TOKEN_MAX_BYTES:
                raise errors.InvalidParam(f"the token is at most {TOKEN_MAX_BYTES} bytes")
            result = replace(result, token=token)
        return result


# --- URL and addresses (no SSRF) --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Target:
    """A callback URL taken apart: the client connects to a checked address of `host`, never follows redirects."""

    scheme: str
    host: str
    port: int
    path: str  # path and the URL's own query, if any ("/" at least)

    def with_query(self, query: str) -> str:
        sep = "&" if "?" in self.path else "?"
        return f"{self.path}{sep}{query}"


def check_url(url: str, *, local: bool) -> Target:
    """The URL's form: HTTPS (HTTP only in the local stage), a host, no user info, no fragment."""
    if len(url.encode("utf-8")) > URL_MAX_BYTES:
        raise errors.InvalidParam(f"the callback URL is at most {URL_MAX_BYTES} bytes")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise errors.InvalidParam(f"the callback URL is malformed: {exc}") from exc
    schemes = ("https", "http") if local else ("https",)
    if parts.scheme not in schemes:
        raise errors.InvalidParam("the callback URL must be https://" + ("" if local else " (outside the local stage)"))
    if not parts.hostname or parts.username is not None or parts.password is not None or parts.fragment:
        raise errors.InvalidParam("the callback URL needs a host, and takes no user info or fragment")
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise errors.InvalidParam("the callback URL must not contain spaces or control characters")
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    default = 443 if parts.scheme == "https" else 80
    return Target(parts.scheme, parts.hostname, port or default, path)


def address_refusal(address: str) -> str | None:
    """Why a callback may not reach this IP address (None: it may): loopback, link-local (the metadata service),
    private, shared (CGNAT), reserved, multicast, unspecified; IPv4-mapped IPv6 is judged as its IPv4."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return f"{address!r} is not an IP address"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    checks = (
        (ip.is_loopback, "loopback"),
        (ip.is_link_local, "link-local"),
        (ip.is_private, "private"),
        (ip.is_reserved, "reserved"),
        (ip.is_multicast, "multicast"),
        (ip.is_unspecified, "unspecified"),
        (not ip.is_global, "not globally routable"),
    )
    for hit, what in checks:
        if hit:
            return f"{ip} is a {what} address"
    return None


# --- the request ------------------------------------------------------------------------------------------------
def sign(token: str, request_time: int) -> str:
    """Tencent's callback authentication: hex SHA-256 of the token followed by RequestTime (unix seconds)."""
    return hashlib.sha256(f"{token}{request_time}".encode()).hexdigest()


def query(sdkappid: int, command: str, client_ip: str, platform: str, token: str, now: int) -> str:
    """The request URL's query, in Tencent's order; RequestTime and Sign only with a token."""
    params: list[tuple[str, str]] = [
        ("SdkAppid", str(sdkappid)),
        ("CallbackCommand", command),
        ("contenttype", "json"),
        ("ClientIP", client_ip),
        ("OptPlatform", platform),
    ]
    if token:
        params += [("RequestTime", str(now)), ("Sign", sign(token, now))]
    return urlencode(params)


# Websocket platforms (domain/terminals) → Tencent's OptPlatform; REST admin calls are RESTAPI.
REST_PLATFORM = "RESTAPI"
_PLATFORMS = {"web": "Web", "android": "Android", "iphone": "iOS", "pc": "Windows", "mac": "Mac", "ipad": "iPad"}


def opt_platform(platform: str | None) -> str:
    if not platform:
        return "Unknown"
    if platform == REST_PLATFORM:
        return platform
    return _PLATFORMS.get(platform.lower(), "Unknown")


def encode(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# --- bodies (Tencent's documented fields per command) -------------------------------------------------------------
def c2c_send(
    command: str,
    *,
    sender: str,
    recipient: str,
    msg_seq: int,
    msg_random: int,
    msg_time: int,
    msg_key: str,
    online_only: bool,
    body: list[dict[str, Any]],
    cloud: str | None,
    event_ms: int,
) -> dict[str, Any]:
    """C2C.CallbackBeforeSendMsg / C2C.CallbackAfterSendMsg (the after one adds SendMsgResult and UnreadMsgNum)."""
    out: dict[str, Any] = {
        "CallbackCommand": command,
        "From_Account": sender,
        "To_Account": recipient,
        "MsgSeq": msg_seq,
        "MsgRandom": msg_random,
        "MsgTime": msg_time,
        "MsgKey": msg_key,
        "OnlineOnlyFlag": 1 if online_only else 0,
        "MsgBody": body,
        "EventTime": event_ms,
    }
    if cloud is not None:
        out["CloudCustomData"] = cloud
    if command == C2C_AFTER_SEND:
        out.update({"SendMsgResult": 0, "ErrorInfo": "send msg succeed", "UnreadMsgNum": 0})
    return out


def group_send(
    command: str,
    *,
    gid: str,
    group_type: str,
    sender: str,
    operator: str,
    msg_random: int,
    online_only: bool,
    body: list[dict[str, Any]],
    cloud: str | None,
    event_ms: int,
    msg_seq: int | None = None,
    msg_time: int | None = None,
) -> dict[str, Any]:
    """Group.CallbackBeforeSendMsg / Group.CallbackAfterSendMsg (the after one adds MsgSeq and MsgTime)."""
    out: dict[str, Any] = {
        "CallbackCommand": command,
        "GroupId": gid,
        "Type": group_type,
        "From_Account": sender,
        "Operator_Account": operator,
        "Random": msg_random,
        "OnlineOnlyFlag": 1 if online_only else 0,
        "MsgBody": body,
        "EventTime": event_ms,
    }
    if cloud is not None:
        out["CloudCustomData"] = cloud
    if msg_seq is not None:
        out["MsgSeq"] = msg_seq
    if msg_time is not None:
        out["MsgTime"] = msg_time
    return out


def members(users: list[str] | tuple[str, ...]) -> list[dict[str, str]]:
    return [{"Member_Account": u} for u in users]


def pairs(owner: str, peers: list[str] | tuple[str, ...]) -> list[dict[str, str]]:
    return [{"From_Account": owner, "To_Account": p} for p in peers]


def state_change(user: str, action: str, reason: str, event_ms: int) -> dict[str, Any]:
    """State.StateChange: Login/Register, Logout/Unregister, Disconnect/LinkClose or Disconnect/TimeOut."""
    return {
        "CallbackCommand": STATE_CHANGE,
        "EventTime": event_ms,
        "Info": {"Action": action, "To_Account": user, "Reason": reason},
    }


LOGIN = ("Login", "Register")
LOGOUT = ("Logout", "Unregister")
LINK_CLOSE = ("Disconnect", "LinkClose")
TIMEOUT = ("Disconnect", "TimeOut")


def disconnect_reason(close_code: int | None) -> tuple[str, str]:
    """A socket the client closed normally (1000) is a logout; any other close is a lost link."""
    return LOGOUT if close_code == 1000 else LINK_CLOSE


# --- the answer -------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Verdict:
    """What a before-callback decided. `failed`: no usable answer (the app's OnFailure policy decides)."""

    allow: bool
    code: int = 0
    info: str = ""
    drop: bool = False  # ErrorCode 2 on a send: the sender sees success, nothing is stored or delivered
    failed: bool = False
    replace: dict[str, Any] = field(default_factory=dict)  # MsgBody / CloudCustomData of a before-send answer


ALLOWED = Verdict(True)


def failure(policy: str, command: str, why: str) -> Verdict:
    """A before-callback that could not be asked (timeout, refused connection, bad answer)."""
    if policy == REFUSE:
        return Verdict(False, refused_code(command), f"the app backend's callback failed: {why}", failed=True)
    return Verdict(True, failed=True, info=why)


def refused_code(command: str) -> int:
    return REFUSED_C2C if command.startswith("C2C.") else REFUSED


def interpret(command: str, status: int, raw: bytes, policy: str) -> Verdict:
    """A before-callback's HTTP answer → Verdict. Non-2xx, non-JSON or an unknown ErrorCode: the failure policy."""
    if not 200 <= status < 300:
        return failure(policy, command, f"HTTP {status}")
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return failure(policy, command, "the answer is not JSON")
    if not isinstance(doc, dict):
        return failure(policy, command, "the answer is not a JSON object")
    code = doc.get("ErrorCode", 0)
    if isinstance(code, bool) or not isinstance(code, int):
        return failure(policy, command, "ErrorCode is not an integer")
    info = doc.get("ErrorInfo")
    info = info[:500] if isinstance(info, str) else ""
    sends = command in (C2C_BEFORE_SEND, GROUP_BEFORE_SEND)
    if code == 0:
        changes: dict[str, Any] = {}
        if command == SNS_BEFORE_FRIEND_ADD and isinstance(doc.get("ResultItem"), list):
            changes["ResultItem"] = doc["ResultItem"]
        if sends:
            if isinstance(doc.get("MsgBody"), list) and doc["MsgBody"]:
                changes["MsgBody"] = doc["MsgBody"]
            if isinstance(doc.get("CloudCustomData"), str):
                changes["CloudCustomData"] = doc["CloudCustomData"]
        return Verdict(True, replace=changes)
    if code == 1:
        return Verdict(False, refused_code(command), "refused by the app backend's callback")
    if code == 2 and sends:
        return Verdict(False, drop=True)
    if APP_CODES[0] <= code <= APP_CODES[1]:
        return Verdict(False, code, info or "refused by the app backend's callback")
    return failure(policy, command, f"ErrorCode {code} is not a callback answer")


_INFO_FIELDS = {"name": "Name", "introduction": "Introduction", "notification": "Notification", "face_url": "FaceUrl"}


def group_info(changes: dict[str, Any] | Any) -> dict[str, Any]:
    """Group.CallbackAfterGroupInfoChanged: the changed fields Tencent names (Name, Introduction, Notification,
    FaceUrl), from modify_group_base_info's changes (Group attribute names)."""
    return {wire: changes[name] for name, wire in _INFO_FIELDS.items() if name in changes}


def refused_peers(verdict: Verdict) -> dict[str, int]:
    """Sns.CallbackPrevFriendAdd's ResultItem [{To_Account, ResultCode}]: the peers the app refuses (code != 0;
    an app code 120001-130000 is kept, any other becomes REFUSED)."""
    out: dict[str, int] = {}
    for item in verdict.replace.get("ResultItem") or ():
        if not isinstance(item, dict) or not isinstance(item.get("To_Account"), str):
            continue
        code = item.get("ResultCode", 0)
        if isinstance(code, bool) or not isinstance(code, int) or code == 0:
            continue
        out[item["To_Account"]] = code if APP_CODES[0] <= code <= APP_CODES[1] else REFUSED
    return out
