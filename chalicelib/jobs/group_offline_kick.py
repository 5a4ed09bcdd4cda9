"""Every minute: remove members of AVChatRoom groups (and of groups created with OfflineKick On) who have been
offline for the app's `offline_kick_seconds` (FAQ 定时踢不在线成员: 5 minutes), each with a Kick tip."""

from __future__ import annotations

import logging

from chalicelib.domain.apps import ACTIVE
from chalicelib.wiring import services

log = logging.getLogger("yuntong.jobs")


def run() -> int:
    """Returns how many members were removed across all active apps; one app's failure does not stop the others."""
    svc = services()
    kicked = 0
    for app in svc.apps.all():
        if app.status != ACTIVE:
            continue
        try:
            kicked += svc.groups.kick_offline(app)
        except Exception:
            log.exception("offline kick failed for app %s", app.sdkappid)
    return kicked
