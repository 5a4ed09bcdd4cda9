"""One table of Tencent IM error codes; DomainError subclasses carry them from the rules that know them."""

from __future__ import annotations

from typing import Any, ClassVar

# Default ErrorInfo per code (English, after reference §4). Subclasses below name the ones the rules raise.
CODES: dict[int, str] = {
    6014: "not logged in, or kicked offline: reconnect with a valid UserSig",
    6208: "another terminal logged in with this account",
    60002: "HTTP parse error, check the request URL",
    60003: "HTTP request JSON parse error",
    60004: "identifier or usersig missing or invalid in the request URI",
    60006: "SDKAppID is invalid or the app is suspended",
    60007: "REST call rate exceeds the app's limit",
    60009: "unknown service or command in the request URL",
    60010: "this command requires an App admin identifier",
    60012: "sdkappid is required in the request URL",
    60016: "SDKAppID is disabled (app deleted)",
    70001: "UserSig expired, generate a new one",
    70002: "UserSig is empty",
    70003: "UserSig could not be decoded",
    70009: "UserSig verification failed (signature mismatch)",
    70013: "identifier does not match the UserSig",
    70014: "SDKAppID does not match the UserSig",
    70020: "SDKAppID not found",
    70107: "account does not exist (not imported)",
    70206: "batch size is invalid",
    70398: "account number exceeds the limit",
    70402: "invalid parameter",
    70403: "operation requires App admin rights",
    70500: "internal server error",
    80001: "text contains a dirty word",
    80002: "message body exceeds the app's size limit",
    90001: "Fail to Parse json data of body, Please check it",
    90002: "MsgBody does not follow the message format or is not an array",
    90003: "To_Account is missing or is not a string",
    90005: "MsgRandom is missing or is not an integer",
    90006: "MsgTimeStamp is not an integer",
    90007: "MsgBody is not an array",
    90008: "From_Account is missing or does not exist",
    90009: "the request requires App admin rights",
    90010: "message element does not follow the message format",
    90011: "batch message target accounts exceed 500",
    90012: "To_Account is not imported or does not exist",
    90026: "MsgLifeTime is invalid (at most 7 days)",
    90030: "SyncFromOldSystem is missing or is not an integer",
    90031: "SyncOtherMachine is not an integer",
    90044: "MsgLifeTime is not an integer",
    90048: "the account does not exist",
    90054: "MsgKey is invalid",
    93000: "JSON body too long",
    20001: "invalid request",
    20003: "sender or recipient is invalid or not imported",
    20007: "blocked by the peer (blacklist)",
    20009: "the two accounts are not friends",
    20010: "the sender is not the peer's friend",
    20011: "the peer is not the sender's friend",
    20012: "sender is muted",
    20016: "recall time limit exceeded",
    20022: "message to recall does not exist",
    20023: "message already recalled",
    30001: "invalid parameter",
    30003: "account does not exist",
    30004: "operation requires App admin rights",
    30005: "contains a dirty word",
    30006: "internal error",
    30008: "concurrent write conflict, retry",
    30010: "own friend count reached the limit",
    30011: "friend group count reached the limit",
    30012: "pending friend requests reached the limit",
    30013: "blacklist reached the limit",
    30014: "peer's friend count reached the limit",
    30515: "the peer is in your blacklist",
    30516: "the peer does not accept friend requests",
    30525: "you are in the peer's blacklist",
    30539: "friend request pending the peer's confirmation",
    30614: "pending friend request does not exist",
    31704: "no friendship with the account",
    31804: "account does not exist",
    40001: "invalid parameter",
    40002: "account not specified",
    40003: "account does not exist",
    40004: "operation requires App admin rights",
    40005: "contains a dirty word",
    40006: "internal error",
    40007: "no read permission for the tag",
    40008: "no write permission for the tag",
    40009: "tag does not exist",
    40601: "Value exceeds 500 bytes",
    40605: "invalid value for a standard tag",
    40610: "Value type does not match the tag",
    50001: "account does not exist",
    50002: "invalid parameter",
    50003: "operation requires App admin rights",
    50004: "internal error",
    10002: "internal server error, retry",
    10003: "invalid command name",
    10004: "invalid parameter",
    10005: "too many accounts in the request",
    10006: "operation rate limited",
    10007: "insufficient permission for this operation",
    10009: "the owner may not quit this group",
    10010: "group does not exist or was dissolved",
    10013: "already a group member",
    10014: "group is full",
    10015: "invalid GroupId",
    10016: "rejected by callback",
    10017: "muted, cannot send",
    10019: "account does not exist",
    10021: "GroupId already in use",
    10023: "group message rate exceeded",
    10024: "invitation or application already handled",
    10025: "GroupId already in use by the requester",
    10030: "message to recall does not exist",
    10031: "recall time limit exceeded",
    10037: "group count limit reached",
    10038: "group member count limit reached",
    10056: "group attributes were changed meanwhile (write conflict): read them again and retry",
    90018: "too many accounts",
    90020: "tag too long",
    90024: "push too frequent: at least one second between pushes",
    90032: "too many tags",
    90039: "attributes and tags may not be combined",
    90022: "the same tag appears in both TagsOr and TagsAnd",
    90033: "invalid attribute",
    90040: "a push condition holds an empty tag",
    90047: "all-member pushes exceed the app's daily limit",
    130004: "Set_Account is missing",
    130005: "Set_Account or Get_Account is invalid or not an imported account",
    130008: "neither C2CmsgNospeakingTime nor GroupmsgNospeakingTime is given",
    # Yuntong's own (offline push: Tencent has no REST commands for devices), README "Offline push"
    91101: "unknown push platform (APNS, APNS_SANDBOX, FCM, WEBHOOK)",
    91102: "device token is empty or invalid",
    91103: "the device token is not registered to this account",
    91104: "offline push is not configured for this platform in the app",
    91105: "quiet time minutes must be 0-1439",
}


class DomainError(Exception):
    """A rule was broken; carries the Tencent code and a clear ErrorInfo."""

    code: ClassVar[int] = 70500

    def __init__(self, info: str | None = None, *, code: int | None = None, **extra: Any) -> None:
        self.error_code = code if code is not None else self.code
        self.info = info or CODES.get(self.error_code, "error")
        self.extra = extra
        super().__init__(f"{self.error_code}: {self.info}")


def error(code: int, info: str | None = None, **extra: Any) -> DomainError:
    """An error with an explicit code (for services whose code depends on the Tencent service)."""
    return DomainError(info, code=code, **extra)


# --- request / auth -----------------------------------------------------------------------------
class JsonParseError(DomainError):
    code = 90001


class UnknownCommand(DomainError):
    code = 60009


class AdminRequired(DomainError):
    code = 60010


class NotSelf(DomainError):
    """An ordinary account tried to act as someone else."""

    code = 90009


class AppNotFound(DomainError):
    code = 70020


class AppSuspended(DomainError):
    code = 60006


class AppDeleted(DomainError):
    code = 60016


class AppNotSuspended(DomainError):
    """Deleting an app that is still active: suspend it first (the FAQ's console order: 停用, then 删除). 60006 names
    the state the deletion needs, as 60016 names the deleted state a suspension is refused in."""

    code = 60006


class MissingAppId(DomainError):
    code = 60012


class MissingIdentity(DomainError):
    code = 60004


class RateLimited(DomainError):
    code = 60007


class SigEmpty(DomainError):
    code = 70002


class SigExpired(DomainError):
    code = 70001


class SigUndecodable(DomainError):
    code = 70003


class SigMismatch(DomainError):
    code = 70009


class SigIdentifierMismatch(DomainError):
    code = 70013


class SigAppMismatch(DomainError):
    code = 70014


class InvalidParam(DomainError):
    """Generic invalid parameter; callers pass the service's own code when it differs."""

    code = 70402


class AccountNotFound(DomainError):
    code = 70107


class NotLoggedIn(DomainError):
    """A websocket frame from a connection that is not (or no longer) logged in."""

    code = 6014


class BatchSizeInvalid(DomainError):
    code = 70206


class Internal(DomainError):
    code = 70500


# --- messages ----------------------------------------------------------------------------------
class DirtyWord(DomainError):
    code = 80001


class MessageTooLong(DomainError):
    code = 80002


# --- groups ------------------------------------------------------------------------------------
class GroupForbidden(DomainError):
    """Wrong role, not a member, or an operation the group's type does not allow."""

    code = 10007


class OwnerMayNotQuit(DomainError):
    code = 10009


class GroupNotFound(DomainError):
    code = 10010


class AlreadyMember(DomainError):
    code = 10013


class GroupFull(DomainError):
    code = 10014


class GroupIdInvalid(DomainError):
    code = 10015


class Muted(DomainError):
    code = 10017


class GroupAccountNotFound(DomainError):
    code = 10019


class GroupIdTaken(DomainError):
    code = 10021


class GroupRateLimited(DomainError):
    code = 10023


class ApplicationHandled(DomainError):
    code = 10024


class GroupIdTakenByOwner(DomainError):
    code = 10025


class GroupQuotaReached(DomainError):
    code = 10037


# --- offline push (Yuntong codes) --------------------------------------------------------------
class UnknownPlatform(DomainError):
    code = 91101


class BadToken(DomainError):
    code = 91102


class NotYourDevice(DomainError):
    code = 91103


class PushNotConfigured(DomainError):
    code = 91104


class BadQuietTime(DomainError):
    code = 91105
