"""Composition root: builds real adapters and services once per Lambda container (tests install their own)."""

from __future__ import annotations

import atexit
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported by build(): a cold start pays for the services with its first request, not at import
    from chalicelib.config import Settings
    from chalicelib.domain.apps import App
    from chalicelib.domain.clock import Clock
    from chalicelib.services.accounts import AccountService
    from chalicelib.services.apps import AppPurge, AppService
    from chalicelib.services.auth import AuthService
    from chalicelib.services.c2c import C2CService
    from chalicelib.services.callbacks import CallbackHttp, CallbackService
    from chalicelib.services.conversations import ConversationService
    from chalicelib.services.dirtywords import DirtyWordService
    from chalicelib.services.group_attrs import GroupAttrService
    from chalicelib.services.group_edits import GroupMessageEdits
    from chalicelib.services.group_messages import GroupMessageService
    from chalicelib.services.groups import GroupService
    from chalicelib.services.history_export import HistoryExportService, MessageStreamService
    from chalicelib.services.limits import RequestGuard
    from chalicelib.services.media import MediaService
    from chalicelib.services.mute import GlobalMuteService
    from chalicelib.services.notify import Notifier
    from chalicelib.services.offline_push import OfflinePushService, PushGateway
    from chalicelib.services.ports import (
        ConnectionDirectory,
        Limits,
        Metrics,
        PresenceHook,
        Pusher,
        RelationCheck,
        TaskQueue,
    )
    from chalicelib.services.profiles import ProfileService
    from chalicelib.services.push import AllMemberPushService
    from chalicelib.services.realtime import RealtimeService
    from chalicelib.services.relations import RelationService
    from chalicelib.services.stats import StatsService


@dataclass
class Services:
    settings: Settings
    clock: Clock
    pusher: Pusher
    apps: AppService
    auth: AuthService
    accounts: AccountService
    profiles: ProfileService
    connections: ConnectionDirectory
    notifier: Notifier
    metrics: Metrics
    relation_check: RelationCheck
    tasks: TaskQueue
    dirty_words: DirtyWordService
    limits: Limits
    guard: RequestGuard
    stats: StatsService
    mute: GlobalMuteService
    all_member_push: AllMemberPushService
    relations: RelationService
    realtime: RealtimeService
    c2c: C2CService
    conversations: ConversationService
    groups: GroupService
    group_messages: GroupMessageService
    presence_hooks: list[PresenceHook]
    offline_push: OfflinePushService
    group_attrs: GroupAttrService
    group_edits: GroupMessageEdits
    media: MediaService
    app_purge: AppPurge
    callbacks: CallbackService
    message_stream: MessageStreamService  # the messages stream's consumer: statistics, export chunks
    history_export: HistoryExportService  # hourly export files (get_history)


def build(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    pusher: Pusher | None = None,
    tasks: TaskQueue | None = None,
    push_gateway: PushGateway | None = None,
    callback_http: CallbackHttp | None = None,
) -> Services:
    from chalicelib.blobs.images import PillowImages
    from chalicelib.blobs.s3 import S3Blobs
    from chalicelib.config import Settings
    from chalicelib.domain.clock import SystemClock
    from chalicelib.domain.conversations import C2C, GROUP
    from chalicelib.domain.terminals import IDLE_SECONDS
    from chalicelib.hooks.http import HttpCallbackClient
    from chalicelib.push.gateway import ApiGatewayPusher
    from chalicelib.push.queue import SqsTaskQueue
    from chalicelib.push.sns import SnsPush
    from chalicelib.services.accounts import AccountService
    from chalicelib.services.apps import AppPurge, AppService, CachedAppRepo
    from chalicelib.services.auth import AuthService
    from chalicelib.services.c2c import C2CService
    from chalicelib.services.callbacks import CallbackService, StateChanges
    from chalicelib.services.conversations import ConversationService
    from chalicelib.services.dirtywords import DirtyWordService
    from chalicelib.services.group_access import GroupAccess
    from chalicelib.services.group_attrs import GroupAttrService
    from chalicelib.services.group_edits import GroupMessageEdits
    from chalicelib.services.group_fanout import FanoutLimits, GroupFanout
    from chalicelib.services.group_messages import GroupMessageService
    from chalicelib.services.group_recent import GroupRecentTimes
    from chalicelib.services.groups import GroupService
    from chalicelib.services.limits import RequestGuard
    from chalicelib.services.media import MediaService
    from chalicelib.services.mute import GlobalMuteService
    from chalicelib.services.notify import Notifier
    from chalicelib.services.offline_push import GroupPushMembers, OfflinePushService
    from chalicelib.services.presence import HookedDirectory
    from chalicelib.services.profiles import ProfileService
    from chalicelib.services.push import AllMemberPushService
    from chalicelib.services.realtime import RealtimeService
    from chalicelib.services.relations import RelationService
    from chalicelib.services.stats import StatsService
    from chalicelib.store import base
    from chalicelib.store.accounts import DynamoAccountRepo
    from chalicelib.store.apps import DynamoAppRepo, DynamoTenantData
    from chalicelib.store.c2c import DynamoMessageStore
    from chalicelib.store.callbacks import DynamoCallbackConfigRepo
    from chalicelib.store.connections import DynamoConnectionDirectory
    from chalicelib.store.conversations import DynamoConversationRepo
    from chalicelib.store.counters import DynamoMetrics
    from chalicelib.store.devices import DynamoDeviceRepo
    from chalicelib.store.dirtywords import DynamoDirtyWordRepo
    from chalicelib.store.exports import DynamoExportRepo  # before bind(): its model is bound with the rest
    from chalicelib.store.group_attrs import DynamoGroupAttrRepo
    from chalicelib.store.group_mentions import DynamoMentionRepo
    from chalicelib.store.group_messages import DynamoGroupMessageRepo
    from chalicelib.store.group_online import DynamoGroupOnlineIndex
    from chalicelib.store.groups import DynamoGroupRepo
    from chalicelib.store.limits import DynamoLimits
    from chalicelib.store.media import DynamoMediaRepo
    from chalicelib.store.push import DynamoPushStore
    from chalicelib.store.readahead import DynamoReadAhead
    from chalicelib.store.relations import DynamoRelationCheck, DynamoRelationRepo
    from chalicelib.store.stats import DynamoDailyStats
    from chalicelib.store.ws_endpoint import current as learned_endpoint  # before bind(): its model is bound too

    settings = settings or Settings.from_env()
    clock = clock or SystemClock()
    base.bind(settings)
    pusher = pusher or ApiGatewayPusher(
        settings.ws_endpoint, settings.region, settings.push_workers, learned=learned_endpoint
    )
    app_repo = CachedAppRepo(DynamoAppRepo(), clock)
    account_repo = DynamoAccountRepo()
    apps = AppService(app_repo, clock, settings.app_restore_days)
    metrics = DynamoMetrics(clock)
    stats = StatsService(apps, metrics, DynamoDailyStats(), clock)
    accounts = AccountService(account_repo, clock, on_registered=stats.count_registered)
    presence_hooks: list[PresenceHook] = []
    connections = HookedDirectory(DynamoConnectionDirectory(clock), presence_hooks)
    notifier = Notifier(connections, pusher)
    limits = DynamoLimits()
    relation_check = DynamoRelationCheck()
    tasks = tasks or SqsTaskQueue(
        settings.fanout_queue_name, settings.region, settings.sqs_endpoint, settings.fanout_queue_url
    )
    profiles = ProfileService(account_repo)
    relations = RelationService(DynamoRelationRepo(), account_repo, profiles, notifier, metrics, clock)
    accounts.deletion_hooks.append(relations)
    auth = AuthService(app_repo, account_repo, clock)
    realtime = RealtimeService(auth, account_repo, connections, pusher, metrics, clock)
    accounts.deletion_hooks.append(realtime)  # a deleted account's terminals are kicked off
    dirty_words = DirtyWordService(DynamoDirtyWordRepo(), clock)
    conversation_repo = DynamoConversationRepo()
    c2c = C2CService(
        DynamoMessageStore(clock),
        conversation_repo,
        account_repo,
        relation_check,
        dirty_words,
        notifier,
        metrics,
        tasks,
        clock,
    )
    accounts.deletion_hooks.append(c2c)  # a re-imported UserID must not sync its predecessor's messages
    group_access = GroupAccess(DynamoGroupRepo())
    online = DynamoGroupOnlineIndex(clock)
    fanout = GroupFanout(
        online, notifier, tasks, metrics, apps, FanoutLimits(settings.group_inline_fanout, settings.group_fanout_page)
    )
    group_message_repo = DynamoGroupMessageRepo()
    group_messages = GroupMessageService(
        group_access, group_message_repo, fanout, notifier, accounts, dirty_words, metrics, clock
    )
    groups = GroupService(
        group_access,
        group_messages,
        online,
        connections,
        accounts,
        dirty_words,
        notifier,
        metrics,
        tasks,
        conversation_repo,
        clock,
    )
    accounts.deletion_hooks.append(groups)
    presence_hooks.append(groups)  # the groups' online-member index follows every login and logout

    def badge(app: App, user: str) -> int:
        """The account's unread total: C2C conversations and its groups."""
        _, joined = groups.joined(app, user, type_name=None, with_huge=False, limit=10_000, offset=0)
        return c2c.unread(app, user, None).total + sum(group_messages.unread(app, user, joined).values())

    offline_push = OfflinePushService(
        DynamoDeviceRepo(),
        push_gateway or SnsPush(settings.region, settings.table_prefix, settings.sns_endpoint),
        apps,
        account_repo,
        connections,
        metrics,
        tasks,
        clock,
        badge,
        GroupPushMembers(group_access.repo),
    )
    c2c.offline_push = offline_push  # a stored message to an account with no online terminal is pushed
    accounts.deletion_hooks.append(offline_push)  # its devices' endpoints and token rows
    read_ahead = DynamoReadAhead()  # a send's reads by key in one request
    c2c.read_ahead = read_ahead
    group_messages.read_ahead = read_ahead
    all_member_push = AllMemberPushService(DynamoPushStore(), account_repo, notifier, limits, metrics, tasks, clock)
    all_member_push.offline_push = offline_push
    group_messages.offline_push = offline_push
    group_messages.mentions = DynamoMentionRepo()  # GroupAtInfo: "@me" until read
    callbacks = CallbackService(  # callbacks to the app backend (README "Callbacks")
        DynamoCallbackConfigRepo(), callback_http or HttpCallbackClient(), tasks, metrics, clock,
        local=settings.callbacks_local,
    )  # fmt: skip
    c2c.callbacks = group_messages.callbacks = groups.callbacks = relations.callbacks = callbacks
    presence_hooks.append(StateChanges(callbacks, apps, IDLE_SECONDS, clock))  # State.StateChange
    from chalicelib.blobs.exports import S3Exports
    from chalicelib.services.history_export import HistoryExportService, MessageStreamService
    from chalicelib.store.counters import DynamoStreamCounts
    from chalicelib.store.message_stream import decode_all

    exports = S3Exports(S3Blobs(settings.bucket, settings.region, settings.s3_endpoint))  # history export objects
    media = MediaService(
        DynamoMediaRepo(), S3Blobs(settings.bucket, settings.region, settings.s3_endpoint), PillowImages(), tasks, clock
    )
    accounts.deletion_hooks.append(media)  # what the account saw releases its media references (issue 16.4)
    c2c.media_refs = group_messages.media_refs = media  # a stored message keeps the objects it names
    return Services(
        settings=settings,
        clock=clock,
        pusher=pusher,
        apps=apps,
        auth=auth,
        accounts=accounts,
        profiles=profiles,
        connections=connections,
        notifier=notifier,
        metrics=metrics,
        relation_check=relation_check,
        tasks=tasks,
        dirty_words=dirty_words,
        limits=limits,
        guard=RequestGuard(limits, clock),
        stats=stats,
        mute=GlobalMuteService(account_repo, clock),
        all_member_push=all_member_push,
        relations=relations,
        realtime=realtime,
        c2c=c2c,
        # Type 1 rows are described by C2C, Type 2 by the groups' messages
        conversations=ConversationService(
            conversation_repo,
            account_repo,
            notifier,
            clock,
            sources={C2C: c2c, GROUP: group_messages},
            cleaners={C2C: c2c, GROUP: group_messages},
            activity={GROUP: GroupRecentTimes(group_access.repo, group_message_repo)},
        ),
        groups=groups,
        group_messages=group_messages,
        presence_hooks=presence_hooks,
        offline_push=offline_push,
        group_attrs=GroupAttrService(group_access, DynamoGroupAttrRepo(), fanout),
        group_edits=GroupMessageEdits(group_access, group_message_repo, fanout, accounts, dirty_words, clock),
        media=media,
        app_purge=AppPurge(
            apps,
            app_repo,
            DynamoTenantData(),
            S3Blobs(settings.bucket, settings.region, settings.s3_endpoint),
            clock,
            settings.purge_pages,
        ),
        callbacks=callbacks,
        message_stream=MessageStreamService(apps, decode_all, DynamoStreamCounts(clock), exports),
        history_export=HistoryExportService(apps, exports, DynamoExportRepo(clock), clock),
    )


_current: Services | None = None


def services() -> Services:
    """The Lambda container's services, built from the environment on first use (with the stage's JSON logging).

    The CLI and tests build their own and install them; they keep their own logging (the CLI's stdout is output)."""
    global _current
    if _current is None:
        from chalicelib import logs

        _current = build()
        logs.configure(_current.settings.log_level)
        atexit.register(_current.metrics.flush)  # the send path's batched statistics, when the process ends
    return _current


def learn_endpoint(request_context: Mapping[str, Any]) -> None:
    """`chalice deploy` sets no YUNTONG_WS_ENDPOINT: a `$connect` teaches the pusher's endpoint to every container
    (recorded once in the apps table, store/ws_endpoint.py). Nothing to do where the endpoint is configured."""
    from chalicelib.push.gateway import ApiGatewayPusher
    from chalicelib.store import ws_endpoint

    pusher = services().pusher
    if isinstance(pusher, ApiGatewayPusher) and pusher.learns_endpoint:
        ws_endpoint.learn(request_context)


def install(built: Services | None) -> None:
    """Tests and the local stack install a container built with their own clock, pusher or settings."""
    global _current
    _current = built
