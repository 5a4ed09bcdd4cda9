"""UserSig v2 (TLS.ver 2.0, HMAC-SHA256): generation and verification, byte-compatible with TLSSigAPIv2."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import zlib
from dataclasses import dataclass
from typing import Any

from chalicelib.domain import errors

DEFAULT_EXPIRE = 180 * 86400
# A real UserSig is ~200 characters; the bounds stop a small compressed input from inflating into megabytes.
MAX_SIG_CHARS = 4096
MAX_INFLATED_BYTES = 4096
_TO_URL = str.maketrans({"+": "*", "/": "-", "=": "_"})
_FROM_URL = str.maketrans({"*": "+", "-": "/", "_": "="})


def _content(identifier: str, sdkappid: int, now: int, expire: int) -> str:
    """The exact bytes TLSSigAPIv2 signs (a UserSig without userbuf)."""
    return f"TLS.identifier:{identifier}\nTLS.sdkappid:{sdkappid}\nTLS.time:{now}\nTLS.expire:{expire}\n"


def _sign(key: str, content: str) -> str:
    return base64.b64encode(hmac.new(key.encode("utf-8"), content.encode("utf-8"), hashlib.sha256).digest()).decode()


def generate(sdkappid: int, key: str, identifier: str, now: int, expire: int = DEFAULT_EXPIRE) -> str:
    """What `TLSSigAPIv2(sdkappid, key).gen_sig(identifier, expire)` returns at time `now`."""
    doc = {
        "TLS.ver": "2.0",
        "TLS.identifier": identifier,
        "TLS.sdkappid": sdkappid,
        "TLS.expire": expire,
        "TLS.time": now,
        "TLS.sig": _sign(key, _content(identifier, sdkappid, now, expire)),
    }
    packed = zlib.compress(json.dumps(doc).encode("utf-8"))
    return base64.b64encode(packed).decode().translate(_TO_URL)


@dataclass(frozen=True)
class Ticket:
    identifier: str
    sdkappid: int
    time: int
    expire: int
    sig: str
    has_userbuf: bool

    @property
    def expires_at(self) -> int:
        return self.time + self.expire


def _inflate(raw: bytes) -> bytes:
    inflater = zlib.decompressobj()
    out = inflater.decompress(raw, MAX_INFLATED_BYTES)
    if inflater.unconsumed_tail:
        raise ValueError(f"inflates beyond {MAX_INFLATED_BYTES} bytes")
    if not inflater.eof:
        raise ValueError("truncated zlib stream")
    return out


def _field(doc: dict[str, Any], name: str, kind: type) -> Any:
    value = doc.get(name)
    # bool is an int subclass in Python; JSON true is never a valid number here.
    if not isinstance(value, kind) or isinstance(value, bool):
        raise ValueError(f"{name} is missing or not {'a string' if kind is str else 'an integer'}")
    return value


def decode(usersig: str) -> Ticket:
    """Parse a UserSig without checking it; raises SigEmpty (70002) / SigUndecodable (70003)."""
    if not usersig:
        raise errors.SigEmpty()
    try:
        if len(usersig) > MAX_SIG_CHARS:
            raise ValueError(f"longer than {MAX_SIG_CHARS} characters")
        raw = base64.b64decode(usersig.translate(_FROM_URL), validate=True)
        doc = json.loads(_inflate(raw).decode("utf-8"))
        if not isinstance(doc, dict):
            raise ValueError("not a JSON object")
        ticket = Ticket(
            identifier=_field(doc, "TLS.identifier", str),
            sdkappid=_field(doc, "TLS.sdkappid", int),
            time=_field(doc, "TLS.time", int),
            expire=_field(doc, "TLS.expire", int),
            sig=_field(doc, "TLS.sig", str),
            has_userbuf="TLS.userbuf" in doc,
        )
        # JSON may carry lone surrogates ("\ud800") that no UTF-8 encoder accepts: refuse them here, not later.
        ticket.identifier.encode("utf-8")
        ticket.sig.encode("utf-8")
        return ticket
    except (binascii.Error, zlib.error, ValueError, UnicodeError, RecursionError) as exc:
        raise errors.SigUndecodable(f"UserSig could not be decoded: {exc}") from exc


def verify(usersig: str, sdkappid: int, identifier: str, key: str, now: int) -> Ticket:
    """Check a UserSig for (sdkappid, identifier) at time `now`; returns the ticket or raises a 700xx error.

    Order follows the Go reference VerifyUserSig, except that the HMAC is checked before expiry: only a genuine
    ticket is told it expired (70001, "generate a new one"); a forged one is always 70009.
    """
    ticket = decode(usersig)
    if ticket.sdkappid != sdkappid:
        raise errors.SigAppMismatch(f"the UserSig was made for SDKAppID {ticket.sdkappid}, not {sdkappid}")
    if ticket.identifier != identifier:
        raise errors.SigIdentifierMismatch(f"the UserSig was made for identifier {ticket.identifier!r}")
    if ticket.has_userbuf:
        # Go's VerifyUserSig: a ticket with userbuf (a TRTC privilege key) is not a login UserSig.
        raise errors.SigMismatch("the UserSig carries a userbuf (TRTC privilege key); use gen_sig")
    expected = _sign(key, _content(ticket.identifier, ticket.sdkappid, ticket.time, ticket.expire))
    if not hmac.compare_digest(ticket.sig.encode("utf-8"), expected.encode("utf-8")):
        raise errors.SigMismatch("UserSig verification failed: the signature does not match the app's secret key")
    if now > ticket.expires_at:
        raise errors.SigExpired(f"UserSig expired at {ticket.expires_at}; generate a new one")
    return ticket
