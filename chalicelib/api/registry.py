"""The one command registry: Tencent wire names → handlers with a declared authorization rule.

REST (`/v4/{service}/{command}`) and websocket frames (`{"cmd": "service/command"}`) both dispatch here.

Every command declares its body fields (`fields=(...)`, built with chalicelib/api/fields.py's `account`, `uint32`,
`string`...): `dispatch` checks a body against them before the handler runs, and tests/api/test_bad_input.py
derives a bad-input case matrix from them for every registered command (a command without a declaration fails it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from chalicelib.api.context import AuthContext
from chalicelib.api.fields import Body, Field, check
from chalicelib.domain import errors

Handler = Callable[[AuthContext, Body], Mapping[str, Any] | None]

# A service's code for "invalid parameter" (wrong type, missing field, out of range), reference §4.
INVALID_CODES: dict[str, int] = {
    "im_open_login_svc": 70402,
    "profile": 40001,
    "openim": 90001,
    "sns": 30001,
    "group_open_http_svc": 10004,
    "group_open_attr_http_svc": 10004,  # group attributes, the service name tencentcloud-sdk-python-im calls
    "recentcontact": 50002,
    "openconfigsvr": 70402,
    "all_member_push": 90001,
    "openim_dirty_words": 10004,
    "realtime": 70402,
}


@dataclass(frozen=True)
class Command:
    name: str
    handler: Handler
    allow_self: bool  # False: app admin only
    acting_field: str | None  # body field naming the acting account; a non-admin may only name itself
    invalid_code: int
    fields: tuple[Field, ...] | None  # None: not declared (the bad-input test refuses that)

    @property
    def acting_names(self) -> set[str]:
        """The acting field and its aliases (admin_getroammsg: Operator_Account or From_Account)."""
        field = self.acting_field
        names = {field} if field else set()
        for f in self.fields or ():
            if f.alias_of == field or (f.name == field and f.alias_of):
                names |= {f.name, f.alias_of or f.name}
        return names

    @property
    def service(self) -> str:
        return self.name.split("/", 1)[0]


_REGISTRY: dict[str, Command] = {}


def command(
    name: str,
    *,
    allow_self: bool = False,
    acting_field: str | None = None,
    invalid_code: int | None = None,
    fields: Sequence[Field] | None = None,
) -> Callable[[Handler], Handler]:
    """Register a handler. `acting_field` implies `allow_self`; `fields`: the body's fields (`()`: none)."""
    service = name.split("/", 1)[0]

    def register(fn: Handler) -> Handler:
        if name in _REGISTRY:
            raise ValueError(f"command {name} registered twice")
        _REGISTRY[name] = Command(
            name=name,
            handler=fn,
            allow_self=allow_self or acting_field is not None,
            acting_field=acting_field,
            invalid_code=invalid_code or INVALID_CODES.get(service, 70402),
            fields=None if fields is None else tuple(fields),
        )
        return fn

    return register


def lookup(name: str) -> Command:
    _load()
    cmd = _REGISTRY.get(name)
    if cmd is None:
        raise errors.UnknownCommand(f"unknown command {name!r}")
    return cmd


def names() -> list[str]:
    _load()
    return sorted(_REGISTRY)


def commands() -> list[Command]:
    _load()
    return [_REGISTRY[n] for n in sorted(_REGISTRY)]


def dispatch(ctx: AuthContext, cmd: Command, data: Any) -> dict[str, Any]:
    """Authorize and run; the body must already be parsed JSON."""
    if not isinstance(data, dict):
        raise errors.JsonParseError("request body must be a JSON object")
    if not ctx.is_admin:
        if not cmd.allow_self:
            raise errors.AdminRequired(f"{cmd.name} requires an App admin identifier")
        if cmd.acting_field is not None:
            named = data.get(cmd.acting_field)
            if named is not None and named != ctx.identifier:
                raise errors.NotSelf(f"{ctx.identifier!r} may act only as itself in {cmd.acting_field}")
            if not any(data.get(n) is not None for n in cmd.acting_names):
                # an account acting for itself never has to name itself (From_Account...)
                data = {**data, cmd.acting_field: ctx.identifier}
    if cmd.fields:
        check(cmd.fields, data, cmd.invalid_code)
    # callbacks to the app backend name where the command came from (OptPlatform): REST is RESTAPI. Imported here,
    # not with the module: app.py imports the registry, and a cold start pays for the services on first use only.
    from chalicelib.domain import callbacks as callback_rules
    from chalicelib.services import callbacks

    with callbacks.acting(callback_rules.REST_PLATFORM if ctx.via == "rest" else ctx.platform, ctx.client_ip):
        result = cmd.handler(ctx, Body(data, cmd.invalid_code))
    return dict(result or {})


_loaded = False


def _load() -> None:
    """Import every module in api/commands so their @command decorators run (no central list to edit)."""
    global _loaded
    if _loaded:
        return
    import importlib
    import pkgutil

    from chalicelib.api import commands

    for mod in pkgutil.iter_modules(commands.__path__):
        importlib.import_module(f"{commands.__name__}.{mod.name}")
    _loaded = True
