/**
 * The public facade, named as Tencent's web Chat SDK: `YuntongChat.create({...})`, `chat.login(...)`, `chat.on(...)`.
 * Every command goes over the one websocket as a frame (docs/protocol.md); promises resolve `{code: 0, data}` and
 * reject `{code, message}` with the server's Tencent code.
 */
import { ERR, EVENT, TYPES } from "./constants";
import { Emitter, type Handler } from "./emitter";
import { Logger } from "./log";
import {
  type Json,
  Message,
  c2cMessageID,
  elementOf,
  fromC2CWire,
  fromGroupWire,
  groupMessageID,
  payloadOf,
  randomUint32,
} from "./message";
import { blobOf, mediaElement, uploadBlob } from "./media";
import { type KeyValueStorage, indexedDBStorage, restore, snapshot } from "./persist";
import { Session } from "./session";
import { type Conversation, Store } from "./store";
import { SyncEngine } from "./sync";
import { type ChatError, type Reply, Transport, type WebSocketCtor, chatError } from "./transport";

export interface CreateOptions {
  SDKAppID: number;
  /** The websocket endpoint (`ws://127.0.0.1:8001` locally, `wss://…` on AWS); an http(s) URL is taken as the same
   * host and port with ws(s). `wsURL` is an alias. */
  serverURL?: string;
  wsURL?: string;
  /** The WebSocket class: required where there is no global one (Node ≥ 20: the `ws` package). */
  WebSocket?: WebSocketCtor;
  /** the `platform` query parameter (default "Web") */
  platform?: string;
  /** where the cache survives the session: default IndexedDB when the runtime has it; any `{getItem, setItem}`
   * (sync or async, strings); `false`: memory only */
  storage?: KeyValueStorage | false;
  requestTimeoutMs?: number;
  heartbeatMs?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
}

/** Tencent's sendMessage options: `onlineUserOnly` (not stored, no unread, no offline push) and `offlinePushInfo`
 * (`{disablePush, title, description, extension, ignoreIOSBadge}` → the wire's `OfflinePushInfo`). */
export interface SendOptions {
  onlineUserOnly?: boolean;
  offlinePushInfo?: {
    disablePush?: boolean;
    title?: string;
    description?: string;
    extension?: string;
    ignoreIOSBadge?: boolean;
  };
}

function offlinePushInfo(o: SendOptions["offlinePushInfo"]): Json | null {
  if (!o) return null;
  const out: Json = { PushFlag: o.disablePush ? 1 : 0 };
  if (o.title !== undefined) out.Title = String(o.title);
  if (o.description !== undefined) out.Desc = String(o.description);
  if (o.extension !== undefined) out.Ext = String(o.extension);
  if (o.ignoreIOSBadge) out.ApnsInfo = { BadgeMode: 1 };
  return out;
}

export interface Result<T = Json> {
  code: 0;
  data: T;
}

const ok = <T>(data: T): Result<T> => ({ code: 0, data });

export interface MessageOptions {
  to: string;
  conversationType: string;
  priority?: string;
  payload: Json;
  cloudCustomData?: string;
  needReadReceipt?: boolean;
}

const RETRYABLE = new Set([ERR.NETWORK, ERR.TIMEOUT, 70500]);

export class YuntongChat {
  static readonly EVENT = EVENT;
  static readonly TYPES = TYPES;
  /** Tencent's factory. Each call makes a new instance (Tencent returns one per SDKAppID; tests need two). */
  static create(options: CreateOptions): YuntongChat {
    return new YuntongChat(options);
  }

  readonly EVENT = EVENT;
  readonly TYPES = TYPES;
  private readonly log = new Logger();
  private readonly events = new Emitter(this.log);
  private readonly store = new Store(this.events);
  private readonly transport: Transport;
  private readonly session: Session;
  private readonly sync: SyncEngine;
  private readonly wsURL: string;
  private userID = "";
  private ready = false;
  private destroyed = false;
  private friends: Json[] = [];
  private applications: Json[] = [];
  private blacklist: string[] = [];
  private readyWaiters: (() => void)[] = [];
  private onlineListener: (() => void) | null = null;
  private sendChains = new Map<string, Promise<void>>();
  private readonly storage: KeyValueStorage | null;
  private saveTimer: ReturnType<typeof setTimeout> | null = null;
  private restoredFor = "";

  constructor(private readonly options: CreateOptions) {
    const WS = options.WebSocket ?? (globalThis as unknown as { WebSocket?: WebSocketCtor }).WebSocket;
    if (!WS) throw chatError(ERR.INVALID_PARAMETERS, "no WebSocket: pass create({WebSocket}) (e.g. the ws package in Node)");
    let url = options.wsURL ?? options.serverURL ?? "";
    if (!url) throw chatError(ERR.INVALID_PARAMETERS, "serverURL (the websocket endpoint) is required");
    url = url.replace(/^http(s?):\/\//, "ws$1://").replace(/\/+$/, "");
    this.wsURL = url;
    this.transport = new Transport({
      WebSocket: WS,
      log: this.log,
      requestTimeoutMs: options.requestTimeoutMs,
      heartbeatMs: options.heartbeatMs,
      onEvent: (name, data) => this.onEvent(name, data),
      onDrop: (info) => this.session.dropped(info),
    });
    this.sync = new SyncEngine({
      rpc: this.transport,
      store: this.store,
      log: this.log,
      me: () => this.userID,
      onGroupsChanged: () => void this.refreshGroups(),
      onError: (code, message) => this.events.emit(EVENT.ERROR, { code, message }),
    });
    this.storage = options.storage === false ? null : (options.storage ?? indexedDBStorage(this.log));
    this.store.onChanged = () => this.scheduleSave();
    this.session = new Session({
      transport: this.transport,
      log: this.log,
      backoffBaseMs: options.backoffBaseMs,
      backoffMaxMs: options.backoffMaxMs,
      hooks: {
        connected: (first) => this.connected(first),
        lost: () => {
          this.sync.disconnected();
        },
        netState: (state) => this.events.emit(EVENT.NET_STATE_CHANGE, { state }),
        ended: (code, message, type) => this.ended(code, message, type),
        unreachable: (n) =>
          this.events.emit(EVENT.ERROR, {
            code: ERR.NETWORK,
            message: `${n} reconnect attempts failed before the socket opened (network down, or a server refusing the login by HTTP status); still retrying`,
          }),
      },
    });
  }

  // ------------------------------------------------------------------ lifecycle

  /** Log in: resolves `{code: 0, data: {repeatLogin}}` once the socket is logged in (SDK_READY follows the sync). */
  async login(options: { userID: string; userSig: string }): Promise<Result> {
    if (this.destroyed) throw chatError(ERR.NOT_READY, "the instance was destroyed");
    if (!options?.userID || !options?.userSig) throw chatError(ERR.INVALID_PARAMETERS, "userID and userSig are required");
    if (this.userID === options.userID && this.session.state !== "idle" && this.session.state !== "stopped") {
      return ok({ repeatLogin: true });
    }
    if (this.userID && this.userID !== options.userID) this.resetState();
    this.userID = options.userID;
    // built by hand: mini-program runtimes have no URLSearchParams
    const q = Object.entries({
      sdkappid: String(this.options.SDKAppID),
      identifier: options.userID,
      usersig: options.userSig,
      platform: this.options.platform ?? "Web",
      refusal: "frame",
    })
      .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
      .join("&");
    await this.session.login(`${this.wsURL}/?${q}`);
    this.watchOnline();
    return ok({ repeatLogin: false });
  }

  private storageKey(): string {
    return `${this.options.SDKAppID}:${this.userID}`;
  }

  private scheduleSave(): void {
    if (!this.storage || this.saveTimer !== null || !this.ready) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = null;
      void this.save();
    }, 1000);
    (this.saveTimer as unknown as { unref?: () => void }).unref?.();
  }

  private async save(): Promise<void> {
    if (!this.storage || !this.userID || !this.sync.baselineDone) return;
    try {
      await this.storage.setItem(this.storageKey(), snapshot(this.store, this.sync));
    } catch (e) {
      this.log.warn("cache not saved", e);
    }
  }

  async logout(): Promise<Result> {
    if (this.saveTimer !== null) clearTimeout(this.saveTimer);
    this.saveTimer = null;
    await this.save();
    this.session.end();
    this.unwatchOnline();
    const wasReady = this.ready;
    this.resetState();
    this.userID = "";
    this.restoredFor = "";
    if (wasReady) this.events.emit(EVENT.SDK_NOT_READY, {});
    return ok({});
  }

  async destroy(): Promise<Result> {
    if (this.destroyed) return ok({});
    await this.logout();
    this.destroyed = true;
    this.events.emit(EVENT.SDK_DESTROY, {});
    this.events.clear();
    return ok({});
  }

  isReady(): boolean {
    return this.ready;
  }

  on(eventName: string, handler: Handler, context?: unknown): void {
    this.events.on(eventName, handler, context);
  }

  off(eventName: string, handler: Handler, context?: unknown): void {
    this.events.off(eventName, handler, context);
  }

  setLogLevel(level: number): void {
    this.log.level = Math.max(0, Math.min(4, Math.floor(level)));
  }

  /** Tencent-compatible no-op: plugins (upload, push) are not needed. */
  registerPlugin(_plugins: Json): void {}

  private resetState(): void {
    this.ready = false;
    this.sync.reset();
    this.store.reset();
    this.friends = [];
    this.applications = [];
    this.blacklist = [];
  }

  /** After every (re)connect: catch up; the first time (or until one succeeded) also load the list and go ready.
   * Messages pushed during the first catch-up that are past its baseline are news: they are emitted after
   * SDK_READY, nothing is dropped. */
  private async connected(_first: boolean): Promise<void> {
    if (!this.ready && this.storage && this.restoredFor !== this.userID) {
      this.restoredFor = this.userID;
      if (this.sync.c2c.size === 0 && this.sync.groups.size === 0 && !this.sync.baselineDone) {
        try {
          if (restore(await this.storage.getItem(this.storageKey()), this.store, this.sync)) {
            this.log.info("cache restored");
          }
        } catch (e) {
          this.log.warn("cache not restored", e);
        }
      }
    }
    await this.sync.catchUp();
    if (!this.ready) {
      await this.loadRecentContacts().catch((e) => this.log.warn("recent contacts not loaded", e?.code));
      this.ready = true;
      this.store.emitting = true;
      this.events.emit(EVENT.SDK_READY, {});
      this.store.touchConvs();
      this.store.flush();
      for (const w of this.readyWaiters.splice(0)) w();
      void this.loadPeerProfiles();
    } else {
      this.store.flush();
      for (const w of this.readyWaiters.splice(0)) w();
    }
  }

  private ended(code: number, message: string, kickedType?: string): void {
    void this.save();
    const wasReady = this.ready;
    this.ready = false;
    this.unwatchOnline();
    if (kickedType) this.events.emit(EVENT.KICKED_OUT, { type: kickedType, code, message });
    else this.events.emit(EVENT.ERROR, { code, message });
    if (wasReady) this.events.emit(EVENT.SDK_NOT_READY, {});
  }

  private watchOnline(): void {
    const g = globalThis as unknown as {
      addEventListener?: (n: string, f: () => void) => void;
    };
    if (this.onlineListener || typeof g.addEventListener !== "function") return;
    this.onlineListener = () => this.session.reconnectNow();
    g.addEventListener("online", this.onlineListener);
  }

  private unwatchOnline(): void {
    const g = globalThis as unknown as { removeEventListener?: (n: string, f: () => void) => void };
    if (this.onlineListener && typeof g.removeEventListener === "function") g.removeEventListener("online", this.onlineListener);
    this.onlineListener = null;
  }

  /** Wait until the session is connected and caught up (for sends issued while reconnecting). */
  private waitReady(ms: number): Promise<boolean> {
    if (this.transport.connected && !this.sync.isSyncing) return Promise.resolve(true);
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.readyWaiters = this.readyWaiters.filter((w) => w !== done);
        resolve(false);
      }, ms);
      const done = () => {
        clearTimeout(t);
        resolve(true);
      };
      this.readyWaiters.push(done);
    });
  }

  // ------------------------------------------------------------------ the escape hatch

  /**
   * Send any command of the server's registry as the logged-in account (an app admin may call admin commands).
   * Resolves `{code: 0, data: <the reply without ActionStatus/ErrorCode/ErrorInfo/reqId>}`, rejects `{code, message}`.
   */
  async callServer(cmd: string, body: Json = {}): Promise<Result> {
    const r = await this.request(cmd, body);
    return ok(strip(r));
  }

  private async request(cmd: string, body: Json): Promise<Reply> {
    if (!this.userID) throw chatError(ERR.NOT_READY, "not logged in");
    try {
      return await this.transport.request(cmd, body);
    } catch (e) {
      const err = e as ChatError;
      throw chatError(err.code, err.message);
    }
  }

  // ------------------------------------------------------------------ pushes

  private onEvent(name: string, data: Json): void {
    if (this.sync.handles(name)) {
      this.sync.push(name, data);
      return;
    }
    switch (name) {
      case "kicked":
        return; // the socket closes right after; the session reports it
      case "c2c_read":
        return this.onC2CRead(data);
      case "recentcontact_top": {
        const id = Number(data.Type) === 2 ? `GROUP${String(data.GroupId)}` : `C2C${String(data.To_Account)}`;
        const s = this.store.conv(id);
        s.conv.isPinned = Number(data.TopFlag) === 1;
        if (s.conv.isPinned) s.hidden = false;
        this.store.touchConvs();
        return;
      }
      case "friend_added":
      case "friend_deleted":
      case "friend_updated":
        void this.refreshFriends();
        return;
      case "friend_request":
      case "friend_request_deleted":
        void this.refreshApplications();
        return;
      case "blacklist_added":
      case "blacklist_deleted":
        void this.refreshBlacklist();
        return;
      case "GroupMessageModified": {
        // an edit is stored in place (no MsgSeq of its own): history shows it, online members are told
        const gid = String(data.GroupId ?? "");
        const m = fromGroupWire(data, gid, this.userID);
        if (this.store.find(m.conversationID, m.ID)?.isRevoked) return;
        const out = this.store.update(m);
        out.isModified = true;
        this.store.queueModified(out);
        return;
      }
      case "GroupSystemNotification":
      case "GroupJoinApplication":
      case "GroupJoinApplicationResult": {
        const m = new Message();
        m.conversationType = TYPES.CONV_SYSTEM;
        m.conversationID = TYPES.CONV_SYSTEM;
        m.type = TYPES.MSG_GRP_SYS_NOTICE;
        m.ID = `sys-${name}-${randomUint32()}`;
        m.from = String(data.Operator_Account ?? data.Applicant_Account ?? "@TIM#SYSTEM");
        m.to = this.userID;
        m.flow = "in";
        m.status = "success";
        m.time = Number(data.MsgTimeStamp ?? Math.floor(Date.now() / 1000));
        m.payload = { groupProfile: { groupID: String(data.GroupId ?? "") }, operationType: name, ...data };
        this.store.queueReceived(m);
        if (name === "GroupJoinApplicationResult") void this.refreshGroups();
        return;
      }
      default:
        this.log.debug("unhandled event", name);
    }
  }

  private onC2CRead(d: Json): void {
    const reporter = String(d.Report_Account ?? "");
    const time = Number(d.MsgReadTime ?? 0);
    if (reporter === this.userID) {
      // read on another terminal of this account
      const s = this.store.conv(`C2C${String(d.Peer_Account)}`);
      s.readMark = Math.max(s.readMark, time);
      s.serverReadMark = Math.max(s.serverReadMark, time);
      this.store.setUnread(s, typeof d.UnreadMsgNum === "number" ? d.UnreadMsgNum : 0);
      this.store.touchConvs();
    } else {
      const s = this.store.conv(`C2C${reporter}`);
      this.sync.peerRead(s, time);
    }
  }

  // ------------------------------------------------------------------ messages

  private baseMessage(o: MessageOptions, type: string, payload: Json): Message {
    if (!o || typeof o.to !== "string" || !o.to) throw chatError(ERR.INVALID_PARAMETERS, "to is required");
    const m = new Message();
    const isGroup = o.conversationType === TYPES.CONV_GROUP;
    m.type = type;
    m.payload = payload;
    m._elements = [elementOf(type, payload)];
    m.to = o.to;
    m.from = this.userID;
    m.flow = "out";
    m.conversationType = isGroup ? TYPES.CONV_GROUP : TYPES.CONV_C2C;
    m.conversationID = `${m.conversationType}${o.to}`;
    m.priority = o.priority ?? TYPES.MSG_PRIORITY_NORMAL;
    m.cloudCustomData = o.cloudCustomData ?? "";
    m.needReadReceipt = !!o.needReadReceipt;
    m.random = randomUint32();
    m._msgSeq = randomUint32();
    m.time = Math.floor(Date.now() / 1000);
    m.clientTime = m.time;
    m.status = "unSend";
    m.ID = isGroup
      ? groupMessageID(o.to, this.userID, m.random, 0, false)
      : c2cMessageID(this.userID, m._msgSeq, m.random);
    return m;
  }

  createTextMessage(o: MessageOptions): Message {
    return this.baseMessage(o, TYPES.MSG_TEXT, { text: String(o?.payload?.text ?? "") });
  }
  createCustomMessage(o: MessageOptions): Message {
    const p = o?.payload ?? {};
    return this.baseMessage(o, TYPES.MSG_CUSTOM, {
      data: String(p.data ?? ""),
      description: String(p.description ?? ""),
      extension: String(p.extension ?? ""),
    });
  }
  createFaceMessage(o: MessageOptions): Message {
    const p = o?.payload ?? {};
    return this.baseMessage(o, TYPES.MSG_FACE, { index: Number(p.index ?? 0), data: String(p.data ?? "") });
  }
  createLocationMessage(o: MessageOptions): Message {
    const p = o?.payload ?? {};
    return this.baseMessage(o, TYPES.MSG_LOCATION, {
      description: String(p.description ?? ""),
      longitude: Number(p.longitude ?? 0),
      latitude: Number(p.latitude ?? 0),
    });
  }
  /**
   * Image: payload `{file}` (a File/Blob or an `<input type="file">`), uploaded by `sendMessage` (hashed with
   * WebCrypto; not uploaded again when the app already holds the same bytes); or `{uuid, imageFormat}` naming an
   * object uploaded before (`yuntong_media/upload`).
   */
  createImageMessage(o: MessageOptions): Message {
    return this.mediaMessage(o, TYPES.MSG_IMAGE);
  }
  /** File: payload `{file}` as for images, or `{uuid, fileName, fileSize}` naming an uploaded object. */
  createFileMessage(o: MessageOptions): Message {
    return this.mediaMessage(o, TYPES.MSG_FILE);
  }
  private mediaMessage(o: MessageOptions, type: string): Message {
    const blob = blobOf(o?.payload?.file);
    if (o?.payload?.file !== undefined && !blob) throw chatError(ERR.INVALID_PARAMETERS, "payload.file is no file");
    if (blob && type === TYPES.MSG_IMAGE && blob.type && !blob.type.startsWith("image/")) {
      throw chatError(ERR.INVALID_PARAMETERS, "payload.file is not an image");
    }
    const payload = blob ? { fileName: (blob as { name?: string }).name ?? "", fileSize: blob.size } : o?.payload;
    const m = this.baseMessage(o, type, { ...(payload ?? {}) });
    m._file = blob;
    return m;
  }

  /**
   * Send; idempotent across reconnects: the message keeps its MsgSeq/MsgRandom (C2C) or Random (groups), so a retry
   * after a lost answer is recognised by the server and delivered once.
   */
  async sendMessage(message: Message, options: SendOptions = {}): Promise<Result<{ message: Message }>> {
    if (!(message instanceof Message)) throw chatError(ERR.INVALID_PARAMETERS, "not a message made by this SDK");
    if (!this.userID) throw chatError(ERR.NOT_READY, "not logged in");
    // one send at a time per conversation: the log keeps the app's order, and a retry is always of the last
    // unanswered send, which the server recognises (it keeps the newest retry tokens of a conversation)
    const key = message.conversationID;
    const prev = this.sendChains.get(key) ?? Promise.resolve();
    const run = prev.then(
      () => this.sendNow(message, options),
      () => this.sendNow(message, options),
    );
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.sendChains.set(key, tail);
    void tail.then(() => {
      if (this.sendChains.get(key) === tail) this.sendChains.delete(key);
    });
    return run;
  }

  private async sendNow(message: Message, options: SendOptions): Promise<Result<{ message: Message }>> {
    const onlineOnly = !!options?.onlineUserOnly;
    const isGroup = message.conversationType === TYPES.CONV_GROUP;
    message.status = "unSend";
    message.from = this.userID;
    message._onlineOnly = onlineOnly;
    const file = message._file;
    if (file) {
      // the bytes first (or 秒传), once: a resend after a failed send names the object already stored
      try {
        const kind = message.type === TYPES.MSG_IMAGE ? "image" : "file";
        const object = await uploadBlob((c, b) => this.request(c, b), file, kind);
        message._elements = [mediaElement(message.type, object, file)];
        message.payload = payloadOf(message._elements[0]);
        message._file = undefined;
      } catch (e) {
        message.status = "fail";
        const err = e as ChatError;
        throw chatError(typeof err.code === "number" ? err.code : ERR.NETWORK, String(err.message), { message });
      }
    }
    let cmd: string;
    let body: Json;
    if (isGroup) {
      cmd = "group_open_http_svc/send_group_msg";
      body = { GroupId: message.to, Random: message.random, MsgBody: message._elements, MsgPriority: message.priority };
      if (onlineOnly) body.OnlineOnlyFlag = 1;
    } else {
      cmd = "openim/sendmsg";
      body = { To_Account: message.to, MsgRandom: message.random, MsgSeq: message._msgSeq, MsgBody: message._elements };
      if (onlineOnly) body.MsgLifeTime = 0;
    }
    if (message.cloudCustomData) body.CloudCustomData = message.cloudCustomData;
    const push = offlinePushInfo(options?.offlinePushInfo);
    if (push) body.OfflinePushInfo = push;
    this.sync.ownIDs.add(message.ID);
    let reply: Reply | undefined;
    let lastErr: ChatError | undefined;
    for (let attempt = 0; attempt < 5 && !reply; attempt++) {
      if (attempt > 0) {
        if (this.session.state === "stopped" || this.session.state === "idle") break; // kicked or logged out
        const back = lastErr?.code === 70500 ? 500 * attempt : 0;
        if (back) await new Promise((r) => setTimeout(r, back));
        if (!(await this.waitReady(30_000))) break;
      }
      try {
        reply = await this.transport.request(cmd, body);
      } catch (e) {
        lastErr = e as ChatError;
        if (!RETRYABLE.has(lastErr.code as never) || !this.userID) break;
      }
    }
    if (!reply) {
      message.status = "fail";
      const err = lastErr ?? chatError(ERR.NETWORK, "not sent");
      throw chatError(err.code, err.message, { message });
    }
    message.status = "success";
    message.time = Number(reply.MsgTime ?? message.time);
    if (onlineOnly) return ok({ message });
    if (isGroup) {
      const seq = Number(reply.MsgSeq ?? 0);
      message.sequence = seq;
      this.store.append(message);
      this.sync.ownGroupSent(message.to, seq);
      this.afterOwnGroupSend(message.to, seq);
    } else {
      message._msgKey = String(reply.MsgKey ?? "");
      message.sequence = Number(reply.Seq ?? 0);
      this.store.append(message);
      this.sync.ownC2CSent(message.to, reply);
    }
    this.store.touchConvs();
    return ok({ message });
  }

  /** The server counts a member's own group message as unread for it: read it, so the count stays the app's. */
  private afterOwnGroupSend(groupID: string, seq: number): void {
    const s = this.store.conv(`GROUP${groupID}`);
    if (!seq || s.noUnread) return;
    if (s.conv.unreadCount === 0) {
      s.readMark = Math.max(s.readMark, seq);
      this.request("group_open_http_svc/group_msg_read_report", { GroupId: groupID, MsgReadSeq: seq }).catch(() => undefined);
    } else {
      this.store.setUnread(s, seq - s.readMark);
    }
  }

  async revokeMessage(message: Message): Promise<Result<{ message: Message }>> {
    if (!(message instanceof Message)) throw chatError(ERR.INVALID_PARAMETERS, "not a message");
    if (message.conversationType === TYPES.CONV_GROUP) {
      const r = await this.request("group_open_http_svc/group_msg_recall", {
        GroupId: message.to,
        MsgSeqList: [{ MsgSeq: message.sequence }],
      });
      const item = ((r.RecallRetList as Json[]) ?? [])[0];
      const code = Number(item?.RetCode ?? 0);
      if (code !== 0) throw chatError(code, "recall refused");
    } else {
      const peer = message.flow === "out" ? message.to : message.from;
      await this.request("openim/admin_msgwithdraw", {
        From_Account: message.from,
        To_Account: peer === message.from ? message.to : peer,
        MsgKey: message._msgKey,
      });
    }
    message.isRevoked = true;
    message.revoker = this.userID;
    return ok({ message });
  }

  async modifyMessage(message: Message): Promise<Result<{ message: Message }>> {
    if (!(message instanceof Message)) throw chatError(ERR.INVALID_PARAMETERS, "not a message");
    if (message.conversationType === TYPES.CONV_GROUP) {
      const gbody: Json = { GroupId: message.to, MsgSeq: message.sequence, MsgBody: [elementOf(message.type, message.payload)] };
      if (message.cloudCustomData) gbody.CloudCustomData = message.cloudCustomData;
      await this.request("openim/modify_group_msg", gbody);
      message._elements = gbody.MsgBody as Message["_elements"];
      message.isModified = true;
      return ok({ message });
    }
    const body: Json = {
      From_Account: message.from,
      To_Account: message.to,
      MsgKey: message._msgKey,
      MsgBody: [elementOf(message.type, message.payload)],
    };
    if (message.cloudCustomData) body.CloudCustomData = message.cloudCustomData;
    await this.request("openim/modify_c2c_msg", body);
    message._elements = body.MsgBody as Message["_elements"];
    message.isModified = true;
    return ok({ message });
  }

  /** Local only: the messages disappear from this instance's cache. */
  async deleteMessage(messageList: Message[]): Promise<Result<{ messageList: Message[] }>> {
    const byConv = new Map<string, Set<string>>();
    for (const m of messageList ?? []) {
      const set = byConv.get(m.conversationID) ?? new Set<string>();
      set.add(m.ID);
      byConv.set(m.conversationID, set);
      m.isDeleted = true;
    }
    for (const [conv, ids] of byConv) this.store.remove(conv, ids);
    return ok({ messageList });
  }

  findMessage(messageID: string): Message | null {
    return this.store.findByID(messageID) ?? null;
  }

  /**
   * Newest first by pages of `count` (≤ 15): answered from the cache when it reaches back far enough, else only the
   * missing older range is fetched (`openim/admin_getroammsg`, `group_open_http_svc/group_msg_get_simple`).
   */
  async getMessageList(o: { conversationID: string; nextReqMessageID?: string; count?: number }): Promise<
    Result<{ messageList: Message[]; nextReqMessageID: string; isCompleted: boolean }>
  > {
    const convID = o?.conversationID;
    if (!convID) throw chatError(ERR.INVALID_PARAMETERS, "conversationID is required");
    const count = Math.max(1, Math.min(15, Number(o.count ?? 15)));
    const run = this.store.run(convID);
    const position = () => (o.nextReqMessageID ? run.list.findIndex((m) => m.ID === o.nextReqMessageID) : run.list.length);
    let idx = position();
    if (idx < 0) return ok({ messageList: [], nextReqMessageID: "", isCompleted: true });
    while (idx < count && !run.reachedStart) {
      const before = run.list.length;
      await this.fetchOlder(convID);
      idx = position();
      if (run.list.length === before && !run.reachedStart) break;
    }
    const start = Math.max(0, idx - count);
    const messageList = run.list.slice(start, idx);
    const isCompleted = start === 0 && run.reachedStart;
    return ok({ messageList, nextReqMessageID: isCompleted ? "" : (messageList[0]?.ID ?? ""), isCompleted });
  }

  private async fetchOlder(convID: string): Promise<void> {
    const run = this.store.run(convID);
    const oldest = run.list[0];
    if (convID.startsWith(TYPES.CONV_GROUP)) {
      const gid = convID.slice(5);
      const body: Json = { GroupId: gid, ReqMsgNumber: 20, WithRecalledMsg: 1 };
      if (oldest) {
        if (oldest.sequence <= 1) {
          this.store.prepend(convID, [], true);
          return;
        }
        body.ReqMsgSeq = oldest.sequence - 1;
      }
      const r = await this.request("group_open_http_svc/group_msg_get_simple", body);
      const page = ((r.RspMsgList as Json[]) ?? [])
        .filter((d) => Number(d.IsPlaceMsg ?? 0) !== 1)
        .map((d) => fromGroupWire(d, gid, this.userID))
        .sort((a, b) => a.sequence - b.sequence);
      const lowest = Math.min(...((r.RspMsgList as Json[]) ?? []).map((d) => Number(d.MsgSeq ?? 0)), Infinity);
      this.store.prepend(convID, page, r.IsFinished === 1 || page.length === 0 || lowest <= 1);
      return;
    }
    const peer = convID.slice(3);
    const body: Json = { Operator_Account: this.userID, Peer_Account: peer, MaxCnt: 15, MinTime: 0, MaxTime: 4294967295 };
    if (oldest) {
      body.MaxTime = oldest.time;
      if (oldest._msgKey) body.LastMsgKey = oldest._msgKey;
    }
    const r = await this.request("openim/admin_getroammsg", body);
    const page = ((r.MsgList as Json[]) ?? []).map((d) => fromC2CWire(d, this.userID));
    const conv = this.store.convs.get(convID)?.conv;
    if (conv) for (const m of page) if (m.flow === "out" && m.time <= conv.peerReadTime) m.isPeerRead = true;
    this.store.prepend(convID, page, r.Complete === 1 || page.length === 0);
  }

  /** Marks the whole conversation read (server-side too: the count is the server's). */
  async setMessageRead(o: { conversationID: string }): Promise<Result> {
    const convID = o?.conversationID;
    if (!convID) throw chatError(ERR.INVALID_PARAMETERS, "conversationID is required");
    const s = this.store.conv(convID);
    if (convID.startsWith(TYPES.CONV_GROUP)) {
      const gid = convID.slice(5);
      const r = await this.request("group_open_http_svc/group_msg_read_report", { GroupId: gid });
      s.readMark = Math.max(s.readMark, Number(r.MsgReadSeq ?? this.sync.groups.get(gid) ?? 0));
    } else {
      await this.request("openim/admin_set_msg_read", { Report_Account: this.userID, Peer_Account: convID.slice(3) });
      s.readMark = Math.max(s.readMark, Math.floor(Date.now() / 1000));
      s.ownReadPending = true;
    }
    for (const m of this.store.run(convID).list) if (m.flow === "in") m.isRead = true;
    this.store.setUnread(s, 0);
    this.store.touchConvs();
    return ok({});
  }

  /** C2C read receipts: reports the conversation read up to the newest of the given messages. */
  async sendMessageReadReceipt(messageList: Message[]): Promise<Result> {
    const last = [...(messageList ?? [])].sort((a, b) => a.time - b.time).at(-1);
    if (!last) throw chatError(ERR.INVALID_PARAMETERS, "messageList is empty");
    if (last.conversationType === TYPES.CONV_GROUP) {
      await this.request("group_open_http_svc/group_msg_read_report", { GroupId: last.to, MsgReadSeq: last.sequence });
    } else {
      const peer = last.flow === "in" ? last.from : last.to;
      await this.request("openim/admin_set_msg_read", { Report_Account: this.userID, Peer_Account: peer, MsgReadTime: last.time });
    }
    return ok({});
  }

  // ------------------------------------------------------------------ conversations

  /** All conversations (pinned first, then by last message), or those named: `getConversationList(["C2Cbob"])`. */
  async getConversationList(
    options?: string[] | { type?: string },
  ): Promise<Result<{ conversationList: Conversation[]; isSyncCompleted: boolean }>> {
    let list = this.store.conversationList();
    if (Array.isArray(options)) {
      const wanted = new Set(options);
      list = list.filter((c) => wanted.has(c.conversationID));
    } else if (options?.type) {
      list = list.filter((c) => c.type === options.type);
    }
    return ok({ conversationList: list, isSyncCompleted: this.ready });
  }

  async getConversationProfile(conversationID: string): Promise<Result<{ conversation: Conversation }>> {
    if (!conversationID) throw chatError(ERR.INVALID_PARAMETERS, "conversationID is required");
    return ok({ conversation: this.store.conv(conversationID).conv });
  }

  async pinConversation(o: { conversationID: string; isPinned: boolean }): Promise<Result<{ conversationID: string }>> {
    const id = o?.conversationID ?? "";
    const body = this.contactBody(id);
    await this.request("recentcontact/set_top", { ...body, TopFlag: o.isPinned ? 1 : 0 });
    const s = this.store.conv(id);
    s.conv.isPinned = !!o.isPinned;
    if (s.conv.isPinned) s.hidden = false;
    this.store.touchConvs();
    return ok({ conversationID: id });
  }

  async deleteConversation(o: string | { conversationIDList: string[]; clearHistoryMessage?: boolean }): Promise<Result> {
    const list = typeof o === "string" ? [o] : (o?.conversationIDList ?? []);
    const clear = typeof o === "string" ? true : o.clearHistoryMessage !== false;
    for (const id of list) {
      await this.request("recentcontact/delete", { ...this.contactBody(id), ClearRamble: clear ? 1 : 0 });
      const s = this.store.conv(id);
      s.hidden = true;
      s.conv.isPinned = false;
      this.store.setUnread(s, 0);
      if (clear) this.store.clearMessages(id);
      this.store.touchConvs();
    }
    return ok(typeof o === "string" ? { conversationID: o } : { conversationIDList: list });
  }

  private contactBody(conversationID: string): Json {
    if (conversationID.startsWith(TYPES.CONV_GROUP)) {
      return { From_Account: this.userID, Type: 2, ToGroupid: conversationID.slice(5) };
    }
    if (conversationID.startsWith(TYPES.CONV_C2C)) {
      return { From_Account: this.userID, Type: 1, To_Account: conversationID.slice(3) };
    }
    throw chatError(ERR.INVALID_PARAMETERS, `bad conversationID ${conversationID}`);
  }

  getTotalUnreadMessageCount(): number {
    return this.store.totalUnread();
  }

  /** lastMessage and order of the conversations as the server's recent contacts list has them. */
  private async loadRecentContacts(): Promise<void> {
    let body: Json = { From_Account: this.userID, TimeStamp: 0, StartIndex: 0, TopTimeStamp: 0, TopStartIndex: 0, AssistFlags: 7 };
    for (let page = 0; page < 10; page++) {
      const r = await this.request("recentcontact/get_list", body);
      for (const it of (r.SessionItem as Json[]) ?? []) {
        const isGroup = Number(it.Type) === 2;
        const id = isGroup ? `GROUP${String(it.GroupId)}` : `C2C${String(it.To_Account)}`;
        const s = this.store.conv(id);
        s.hidden = false;
        s.conv.isPinned = Number(it.TopFlag ?? 0) === 1;
        const lm = it.LastMsg as Json | undefined;
        if (lm && Object.keys(lm).length) {
          const m = isGroup ? fromGroupWire(lm, String(it.GroupId), this.userID) : fromC2CWire(lm, this.userID);
          this.store.setLastMessage(s, m);
        }
      }
      if (Number(r.CompleteFlag ?? 1) === 1) break;
      body = { ...body, TimeStamp: r.TimeStamp, StartIndex: r.StartIndex, TopTimeStamp: r.TopTimeStamp, TopStartIndex: r.TopStartIndex };
    }
  }

  private async loadPeerProfiles(): Promise<void> {
    const peers = [...this.store.convs.values()]
      .filter((s) => s.conv.type === TYPES.CONV_C2C)
      .map((s) => s.conv.conversationID.slice(3));
    for (let i = 0; i < peers.length; i += 100) {
      try {
        const profiles = await this.fetchProfiles(peers.slice(i, i + 100));
        for (const p of profiles) {
          const s = this.store.conv(`C2C${String(p.userID)}`);
          s.conv.userProfile = p;
        }
        this.store.touchConvs();
      } catch {
        return;
      }
    }
  }

  // ------------------------------------------------------------------ profiles

  /** Fill `nick` and `avatar` of items naming a `userID` (friend applications, group members): one profile
   * request per 100 accounts; an item whose profile cannot be read keeps empty strings. */
  private async withProfiles(items: Json[]): Promise<void> {
    const ids = [...new Set(items.map((x) => String(x.userID)))];
    const found = new Map<string, Json>();
    for (let i = 0; i < ids.length; i += 100) {
      try {
        for (const p of await this.fetchProfiles(ids.slice(i, i + 100))) found.set(String(p.userID), p);
      } catch {
        break;
      }
    }
    for (const x of items) {
      const p = found.get(String(x.userID));
      x.nick = String(p?.nick ?? x.nick ?? "");
      x.avatar = String(p?.avatar ?? x.avatar ?? "");
    }
  }

  private async fetchProfiles(userIDList: string[]): Promise<Json[]> {
    if (!userIDList.length) return [];
    const r = await this.request("profile/portrait_get", { To_Account: userIDList, TagList: PROFILE_TAGS.map((t) => t[0]) });
    const out: Json[] = [];
    for (const item of (r.UserProfileItem as Json[]) ?? []) {
      if (Number(item.ResultCode ?? 0) !== 0) continue;
      const p: Json = { userID: String(item.To_Account) };
      for (const [tag, field] of PROFILE_TAGS) p[field] = defaultOf(field);
      const custom: Json[] = [];
      for (const pi of (item.ProfileItem as Json[]) ?? []) {
        const tag = String(pi.Tag);
        const hit = PROFILE_TAGS.find((t) => t[0] === tag);
        if (hit) p[hit[1]] = pi.Value;
        else if (tag.startsWith("Tag_Profile_Custom_")) custom.push({ key: tag, value: pi.Value });
      }
      p.profileCustomField = custom;
      this.store.profiles.set(String(p.userID), p);
      out.push(p);
    }
    return out;
  }

  async getMyProfile(): Promise<Result> {
    const [p] = await this.fetchProfiles([this.userID]);
    return ok(p ?? { userID: this.userID });
  }

  async getUserProfile(o: { userIDList: string[] }): Promise<Result<Json[]>> {
    return ok(await this.fetchProfiles(o?.userIDList ?? []));
  }

  async updateMyProfile(o: Json): Promise<Result> {
    const items: Json[] = [];
    for (const [tag, field] of PROFILE_TAGS) if (o?.[field] !== undefined) items.push({ Tag: tag, Value: o[field] });
    for (const c of (o?.profileCustomField as Json[]) ?? []) items.push({ Tag: String(c.key), Value: c.value });
    if (!items.length) throw chatError(ERR.INVALID_PARAMETERS, "nothing to update");
    await this.request("profile/portrait_set", { ProfileItem: items });
    const [p] = await this.fetchProfiles([this.userID]);
    if (p) this.events.emit(EVENT.PROFILE_UPDATED, [p]);
    return ok(p ?? {});
  }

  // ------------------------------------------------------------------ relations

  async getFriendList(): Promise<Result<Json[]>> {
    return ok(await this.refreshFriends(false));
  }

  private async refreshFriends(emit = true): Promise<Json[]> {
    const out: Json[] = [];
    let start = 0;
    for (let page = 0; page < 100; page++) {
      const r = await this.request("sns/friend_get", { From_Account: this.userID, StartIndex: start });
      for (const it of (r.UserDataItem as Json[]) ?? []) {
        const f: Json = { userID: String(it.To_Account), remark: "", groupList: [], source: "", wording: "", profile: {} };
        for (const v of (it.ValueItem as Json[]) ?? []) {
          if (v.Tag === "Tag_SNS_IM_Remark") f.remark = v.Value;
          else if (v.Tag === "Tag_SNS_IM_Group") f.groupList = v.Value;
          else if (v.Tag === "Tag_SNS_IM_AddSource") f.source = v.Value;
          else if (v.Tag === "Tag_SNS_IM_AddWording") f.wording = v.Value;
          else if (v.Tag === "Tag_SNS_IM_AddTime") f.addTime = v.Value;
        }
        out.push(f);
      }
      if (Number(r.CompleteFlag ?? 1) === 1) break;
      start = Number(r.NextStartIndex ?? 0);
    }
    const profiles = await this.fetchProfiles(out.map((f) => String(f.userID)).slice(0, 100)).catch(() => []);
    for (const f of out) f.profile = profiles.find((p) => p.userID === f.userID) ?? { userID: f.userID };
    this.friends = out;
    if (emit) this.events.emit(EVENT.FRIEND_LIST_UPDATED, out);
    return out;
  }

  async addFriend(o: { to: string; source: string; wording?: string; type?: string; remark?: string; groupName?: string }): Promise<Result> {
    const item: Json = { To_Account: o?.to, AddSource: o?.source || "AddSource_Type_Web" };
    if (o.wording) item.AddWording = o.wording;
    if (o.remark) item.Remark = o.remark;
    if (o.groupName) item.GroupName = o.groupName;
    const r = await this.request("sns/friend_add", {
      From_Account: this.userID,
      AddFriendItem: [item],
      AddType: o.type ?? TYPES.SNS_ADD_TYPE_BOTH,
    });
    const res = ((r.ResultItem as Json[]) ?? [])[0] ?? {};
    const code = Number(res.ResultCode ?? 0);
    if (code !== 0 && code !== 30539) throw chatError(code, String(res.ResultInfo ?? "friend_add failed"));
    return ok({ userID: o.to, code, message: String(res.ResultInfo ?? "") });
  }

  async deleteFriend(o: { userIDList: string[]; type?: string }): Promise<Result> {
    const r = await this.request("sns/friend_delete", {
      From_Account: this.userID,
      To_Account: o?.userIDList ?? [],
      DeleteType: o?.type ?? TYPES.SNS_DELETE_TYPE_BOTH,
    });
    return ok(perItem(r));
  }

  async getFriendApplicationList(): Promise<Result<{ friendApplicationList: Json[]; unreadCount: number }>> {
    const list = await this.refreshApplications(false);
    return ok({ friendApplicationList: list, unreadCount: list.filter((a) => a.type === TYPES.SNS_APPLICATION_SENT_TO_ME).length });
  }

  private async refreshApplications(emit = true): Promise<Json[]> {
    const out: Json[] = [];
    let cursor = "";
    for (let page = 0; page < 50; page++) {
      const body: Json = { From_Account: this.userID, PendencyType: "Pendency_Type_Both", MaxLimited: 100 };
      if (cursor) body.Cursor = cursor;
      const r = await this.request("sns/friend_request_list", body);
      for (const it of (r.PendencyItem as Json[]) ?? []) {
        const incoming = it.PendencyType === TYPES.SNS_APPLICATION_SENT_TO_ME;
        out.push({
          userID: String(incoming ? it.From_Account : it.To_Account),
          avatar: "",
          nick: "",
          time: Number(it.AddTime ?? 0),
          source: String(it.AddSource ?? ""),
          wording: String(it.AddWording ?? ""),
          type: String(it.PendencyType),
        });
      }
      cursor = String(r.NextCursor ?? "");
      if (!cursor || Number(r.CompleteFlag ?? 1) === 1) break;
    }
    await this.withProfiles(out);
    this.applications = out;
    if (emit) {
      this.events.emit(EVENT.FRIEND_APPLICATION_LIST_UPDATED, {
        friendApplicationList: out,
        unreadCount: out.filter((a) => a.type === TYPES.SNS_APPLICATION_SENT_TO_ME).length,
      });
    }
    return out;
  }

  async acceptFriendApplication(o: { userID: string; remark?: string; type?: string }): Promise<Result> {
    const item: Json = { To_Account: o?.userID, ResponseAction: o?.type ?? TYPES.SNS_APPLICATION_AGREE_AND_ADD };
    if (o.remark) item.Remark = o.remark;
    const r = await this.request("sns/friend_response", { From_Account: this.userID, ResponseFriendItem: [item] });
    const res = ((r.ResultItem as Json[]) ?? [])[0] ?? {};
    if (Number(res.ResultCode ?? 0) !== 0) throw chatError(Number(res.ResultCode), String(res.ResultInfo ?? "failed"));
    return ok({ userID: o.userID });
  }

  async refuseFriendApplication(o: { userID: string }): Promise<Result> {
    const r = await this.request("sns/friend_response", {
      From_Account: this.userID,
      ResponseFriendItem: [{ To_Account: o?.userID, ResponseAction: "Response_Action_Reject" }],
    });
    const res = ((r.ResultItem as Json[]) ?? [])[0] ?? {};
    if (Number(res.ResultCode ?? 0) !== 0) throw chatError(Number(res.ResultCode), String(res.ResultInfo ?? "failed"));
    return ok({ userID: o.userID });
  }

  async getBlacklist(): Promise<Result<string[]>> {
    return ok(await this.refreshBlacklist(false));
  }

  private async refreshBlacklist(emit = true): Promise<string[]> {
    const out: string[] = [];
    let start = 0;
    for (let page = 0; page < 100; page++) {
      const r = await this.request("sns/black_list_get", { From_Account: this.userID, StartIndex: start, MaxLimited: 1000, LastSequence: 0 });
      for (const it of (r.BlackListItem as Json[]) ?? []) out.push(String(it.To_Account));
      start = Number(r.StartIndex ?? 0);
      if (!start) break;
    }
    this.blacklist = out;
    if (emit) this.events.emit(EVENT.BLACKLIST_UPDATED, out);
    return out;
  }

  async addToBlacklist(o: { userIDList: string[] }): Promise<Result<string[]>> {
    await this.request("sns/black_list_add", { From_Account: this.userID, To_Account: o?.userIDList ?? [] });
    return ok(await this.refreshBlacklist(false));
  }

  async removeFromBlacklist(o: { userIDList: string[] }): Promise<Result<string[]>> {
    await this.request("sns/black_list_delete", { From_Account: this.userID, To_Account: o?.userIDList ?? [] });
    return ok(await this.refreshBlacklist(false));
  }

  // ------------------------------------------------------------------ groups

  private async refreshGroups(): Promise<void> {
    try {
      const r = await this.request("group_open_http_svc/get_joined_group_list", {
        Member_Account: this.userID,
        ResponseFilter: {
          GroupBaseInfoFilter: ["Type", "Name", "FaceUrl", "Owner_Account", "NextMsgSeq", "MemberNum", "Introduction", "Notification"],
          SelfInfoFilter: ["Role", "MsgFlag", "JoinTime"],
        },
      });
      const seen = new Set<string>();
      for (const g of (r.GroupIdList as Json[]) ?? []) {
        seen.add(String(g.GroupId));
        this.sync.rememberGroup(g);
        const s = this.store.conv(`GROUP${String(g.GroupId)}`);
        s.noUnread = ["ChatRoom", "AVChatRoom", "Meeting"].includes(String(g.Type));
        if (s.hidden) {
          s.hidden = false;
          this.store.touchConvs();
        }
      }
      for (const gid of [...this.store.groups.keys()]) if (!seen.has(gid)) this.store.groups.delete(gid);
      this.store.touchGroups();
    } catch (e) {
      this.log.warn("group list refresh failed", (e as ChatError)?.code);
    }
  }

  async getGroupList(): Promise<Result<{ groupList: Json[] }>> {
    await this.refreshGroups();
    return ok({ groupList: [...this.store.groups.values()] });
  }

  async getGroupProfile(o: { groupID: string }): Promise<Result<{ group: Json }>> {
    const r = await this.request("group_open_http_svc/get_group_info", { GroupIdList: [o?.groupID] });
    const g = ((r.GroupInfo as Json[]) ?? [])[0] ?? {};
    const code = Number(g.ErrorCode ?? 0);
    if (code !== 0) throw chatError(code, String(g.ErrorInfo ?? "failed"));
    return ok({ group: groupOf(g) });
  }

  async createGroup(o: {
    name: string;
    type?: string;
    groupID?: string;
    introduction?: string;
    notification?: string;
    avatar?: string;
    maxMemberNum?: number;
    joinOption?: string;
    memberList?: { userID: string; role?: string }[];
  }): Promise<Result<{ group: Json; overLimitUserIDList: string[] }>> {
    const body: Json = { Owner_Account: this.userID, Type: o?.type ?? TYPES.GRP_WORK, Name: o?.name };
    if (o.groupID) body.GroupId = o.groupID;
    if (o.introduction) body.Introduction = o.introduction;
    if (o.notification) body.Notification = o.notification;
    if (o.avatar) body.FaceUrl = o.avatar;
    if (o.maxMemberNum) body.MaxMemberCount = o.maxMemberNum;
    if (o.joinOption) body.ApplyJoinOption = o.joinOption;
    if (o.memberList?.length) {
      body.MemberList = o.memberList.map((m) => (m.role ? { Member_Account: m.userID, Role: m.role } : { Member_Account: m.userID }));
    }
    const r = await this.request("group_open_http_svc/create_group", body);
    const gid = String(r.GroupId);
    this.sync.groups.set(gid, this.sync.groups.get(gid) ?? 0);
    await this.refreshGroups();
    const { data } = await this.getGroupProfile({ groupID: gid });
    return ok({ group: data.group, overLimitUserIDList: [] });
  }

  async joinGroup(o: { groupID: string; applyMessage?: string }): Promise<Result<{ status: string; group?: Json }>> {
    const r = await this.request("group_open_http_svc/apply_join_group", { GroupId: o?.groupID, ApplyMsg: o?.applyMessage ?? "" });
    const joined = r.JoinStatus === "Joined";
    if (joined) await this.refreshGroups();
    return ok({ status: joined ? TYPES.JOIN_STATUS_SUCCESS : TYPES.JOIN_STATUS_WAIT_APPROVAL, group: this.store.groups.get(o.groupID) });
  }

  async quitGroup(groupID: string): Promise<Result<{ groupID: string }>> {
    await this.request("group_open_http_svc/quit_group", { GroupId: groupID });
    if (this.store.groups.delete(groupID)) this.store.touchGroups();
    return ok({ groupID });
  }

  async dismissGroup(groupID: string): Promise<Result<{ groupID: string }>> {
    await this.request("group_open_http_svc/destroy_group", { GroupId: groupID });
    if (this.store.groups.delete(groupID)) this.store.touchGroups();
    return ok({ groupID });
  }

  async getGroupMemberList(o: { groupID: string; count?: number; offset?: number }): Promise<Result<{ memberList: Json[]; offset: number }>> {
    const limit = Math.max(1, Math.min(100, Number(o?.count ?? 15)));
    const offset = Number(o?.offset ?? 0);
    const r = await this.request("group_open_http_svc/get_group_member_info", { GroupId: o?.groupID, Limit: limit, Offset: offset });
    const members = ((r.MemberList as Json[]) ?? []).map(memberOf);
    await this.withProfiles(members); // Tencent's members carry nick and avatar; the server's list has neither
    const total = Number(r.MemberNum ?? members.length);
    return ok({ memberList: members, offset: offset + members.length < total ? offset + members.length : 0 });
  }

  async addGroupMember(o: { groupID: string; userIDList: string[] }): Promise<Result> {
    const r = await this.request("group_open_http_svc/add_group_member", {
      GroupId: o?.groupID,
      MemberList: (o?.userIDList ?? []).map((u) => ({ Member_Account: u })),
    });
    const res = (r.MemberList as Json[]) ?? [];
    return ok({
      successUserIDList: res.filter((x) => x.Result === 1).map((x) => x.Member_Account),
      failureUserIDList: res.filter((x) => x.Result === 0).map((x) => x.Member_Account),
      existedUserIDList: res.filter((x) => x.Result === 2).map((x) => x.Member_Account),
      group: this.store.groups.get(o.groupID) ?? { groupID: o.groupID },
    });
  }

  async deleteGroupMember(o: { groupID: string; userIDList: string[]; reason?: string }): Promise<Result> {
    const body: Json = { GroupId: o?.groupID, MemberToDel_Account: o?.userIDList ?? [] };
    if (o.reason) body.Reason = o.reason;
    await this.request("group_open_http_svc/delete_group_member", body);
    return ok({ group: this.store.groups.get(o.groupID) ?? { groupID: o.groupID }, userIDList: o.userIDList });
  }

  async setGroupMemberRole(o: { groupID: string; userID: string; role: string }): Promise<Result> {
    await this.request("group_open_http_svc/modify_group_member_info", { GroupId: o?.groupID, Member_Account: o?.userID, Role: o?.role });
    return ok({ group: this.store.groups.get(o.groupID) ?? { groupID: o.groupID } });
  }

  async setGroupMemberMuteTime(o: { groupID: string; userID: string; muteTime: number }): Promise<Result> {
    await this.request("group_open_http_svc/forbid_send_msg", {
      GroupId: o?.groupID,
      Members_Account: [o?.userID],
      MuteTime: Number(o?.muteTime ?? 0),
    });
    const muteTime = Number(o?.muteTime ?? 0);
    const muteUntil = muteTime > 0 ? Math.floor(Date.now() / 1000) + muteTime : 0; // seconds, as memberOf's
    return ok({ group: this.store.groups.get(o.groupID) ?? { groupID: o.groupID }, member: { userID: o.userID, muteUntil } });
  }

  // ------------------------------------------------------------------ test and tooling hooks

  /**
   * Drop the socket as a network failure would; the SDK reconnects by itself, or, with `{hold: true}`, only after
   * `_resumeConnection()`. For tests and benchmarks.
   */
  _dropConnection(options: { hold?: boolean } = {}): void {
    this.session.held = !!options.hold;
    this.transport.dropSocket();
  }

  _resumeConnection(): void {
    this.session.held = false;
    this.session.reconnectNow();
  }

  /** The sync positions kept (for diagnostics). */
  _syncState(): { c2c: Record<string, { seq: number; cursor: string }>; groups: Record<string, number> } {
    return { c2c: Object.fromEntries(this.sync.c2c), groups: Object.fromEntries(this.sync.groups) };
  }

}

const PROFILE_TAGS: [string, string][] = [
  ["Tag_Profile_IM_Nick", "nick"],
  ["Tag_Profile_IM_Image", "avatar"],
  ["Tag_Profile_IM_Gender", "gender"],
  ["Tag_Profile_IM_SelfSignature", "selfSignature"],
  ["Tag_Profile_IM_AllowType", "allowType"],
  ["Tag_Profile_IM_BirthDay", "birthday"],
  ["Tag_Profile_IM_Location", "location"],
  ["Tag_Profile_IM_Language", "language"],
  ["Tag_Profile_IM_MsgSettings", "messageSettings"],
  ["Tag_Profile_IM_AdminForbidType", "adminForbidType"],
  ["Tag_Profile_IM_Level", "level"],
  ["Tag_Profile_IM_Role", "role"],
];

function defaultOf(field: string): unknown {
  if (["birthday", "language", "messageSettings", "level", "role"].includes(field)) return 0;
  return "";
}

function strip(r: Reply): Json {
  const { ActionStatus: _a, ErrorCode: _c, ErrorInfo: _i, reqId: _r, ...rest } = r;
  return rest;
}

function perItem(r: Reply): Json {
  const items = (r.ResultItem as Json[]) ?? [];
  return {
    successUserIDList: items.filter((i) => Number(i.ResultCode ?? 0) === 0).map((i) => ({ userID: i.To_Account })),
    failureUserIDList: items
      .filter((i) => Number(i.ResultCode ?? 0) !== 0)
      .map((i) => ({ userID: i.To_Account, code: i.ResultCode, message: i.ResultInfo })),
  };
}

function groupOf(g: Json): Json {
  return {
    groupID: String(g.GroupId),
    name: String(g.Name ?? ""),
    avatar: String(g.FaceUrl ?? ""),
    type: String(g.Type ?? ""),
    introduction: String(g.Introduction ?? ""),
    notification: String(g.Notification ?? ""),
    ownerID: String(g.Owner_Account ?? ""),
    createTime: Number(g.CreateTime ?? 0),
    infoSequence: Number(g.InfoSeq ?? 0),
    lastInfoTime: Number(g.LastInfoTime ?? 0),
    nextMessageSeq: Number(g.NextMsgSeq ?? 0),
    memberNum: Number(g.MemberNum ?? 0),
    memberCount: Number(g.MemberNum ?? 0),
    maxMemberNum: Number(g.MaxMemberNum ?? 0),
    maxMemberCount: Number(g.MaxMemberNum ?? 0),
    joinOption: String(g.ApplyJoinOption ?? ""),
    muteAllMembers: g.ShutUpAllMember === "On" || g.MuteAllMember === "On",
    groupCustomField: g.AppDefinedData ?? [],
    memberList: ((g.MemberList as Json[]) ?? []).map(memberOf),
  };
}

function memberOf(m: Json): Json {
  return {
    userID: String(m.Member_Account),
    role: String(m.Role ?? ""),
    joinTime: Number(m.JoinTime ?? 0),
    nameCard: String(m.NameCard ?? ""),
    muteUntil: Number(m.MuteUntil ?? m.ShutUpUntil ?? 0),
    messageRemindType: String(m.MsgFlag ?? ""),
    memberCustomField: m.AppMemberDefinedData ?? [],
  };
}

