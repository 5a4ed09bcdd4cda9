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
_TO_URL = str.maketrans({"+": "*", "/": "-", "=": "_"})
_FROM_URL = str.maketrans({"*": "+", "-": "/", "_": "="})


def _content(identifier: str, sdkappid: int, now: int, expire: int, userbuf: str | None) -> str:
    text = f"TLS.identifier:{identifier}\nTLS.sdkappid:{sdkappid}\nTLS.time:{now}\nTLS.expire:{expire}\n"
    if userbuf is not None:
        text += f"TLS.userbuf:{userbuf}\n"
    return text


def _hmac(key: str, content: str) -> bytes:
    return hmac.new(key.encode("utf-8"), content.encode("utf-8"), hashlib.sha256).digest()


def generate(sdkappid: int, key: str, identifier: str, now: int, expire: int = DEFAULT_EXPIRE) -> str:
    sig = base64.b64encode(_hmac(key, _content(identifier, sdkappid, now, expire, None))).decode()
    doc = {
        "TLS.ver": "2.0",
        "TLS.identifier": identifier,
        "TLS.sdkappid": sdkappid,
        "TLS.expire": expire,
        "TLS.time": now,
        "TLS.sig": sig,
    }
    packed = zlib.compress(json.dumps(doc).encode("utf-8"))
    return base64.b64encode(packed).decode().translate(_TO_URL)


@dataclass(frozen=True)
class Ticket:
    identifier: str
    sdkappid: int
    time: int
    expire: int
    userbuf: str | None
    sig: str

    @property
    def expires_at(self) -> int:
        return self.time + self.expire


def decode(usersig: str) -> Ticket:
    """Parse a UserSig without checking it; raises SigEmpty / SigUndecodable."""
    if not usersig:
        raise errors.SigEmpty()
    try:
        raw = base64.b64decode(usersig.translate(_FROM_URL), validate=False)
        doc: Any = json.loads(zlib.decompress(raw).decode("utf-8"))
        userbuf = doc.get("TLS.userbuf")
        return Ticket(
            identifier=str(doc["TLS.identifier"]),
            sdkappid=int(doc["TLS.sdkappid"]),
            time=int(doc["TLS.time"]),
            expire=int(doc["TLS.expire"]),
            userbuf=None if userbuf is None else str(userbuf),
            sig=str(doc["TLS.sig"]),
        )
    except (binascii.Error, zlib.error, ValueError, KeyError, TypeError, AttributeError, UnicodeError) as exc:
        raise errors.SigUndecodable(f"UserSig could not be decoded: {type(exc).__name__}") from exc


def verify(usersig: str, sdkappid: int, identifier: str, key: str, now: int) -> Ticket:
    """Check a UserSig for (sdkappid, identifier) at time `now`; returns the ticket or raises a 700xx error."""
    ticket = decode(usersig)
    if ticket.sdkappid != sdkappid:
        raise errors.SigAppMismatch()
    if ticket.identifier != identifier:
        raise errors.SigIdentifierMismatch()
    try:
        given = base64.b64decode(ticket.sig, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise errors.SigMismatch() from exc
    expected = _hmac(key, _content(ticket.identifier, ticket.sdkappid, ticket.time, ticket.expire, ticket.userbuf))
    if not hmac.compare_digest(given, expected):
        raise errors.SigMismatch()
    if now > ticket.expires_at:
        raise errors.SigExpired()
    return ticket
