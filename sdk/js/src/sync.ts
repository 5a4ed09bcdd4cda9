/**
 * Exactly-once sync (docs/protocol.md, "Sync"). After every (re)connect `catchUp()` runs the C2C and group
 * catch-up from the kept cursors while live pushes are held back; then held pushes are replayed through the same
 * gap checks as any push. Per conversation at most one fetch runs at a time; pushes for a conversation being fetched
 * wait for it and are then replayed (duplicates fall below the kept position and are dropped).
 *
 * C2C: per peer the `Seq` and `Cursor` of the last applied log event. A push with Seq = kept + 1 is applied; a
 * lower one is a duplicate; a higher one means a gap: `openim/sync` from the kept cursor.
 * Groups: per group the last applied MsgSeq (contiguous, tips included); a gap is fetched with
 * `group_msg_get_simple` pages (ReqMsgSeq, ≤ 20 each, newest first) and applied oldest first.
 */
import { TYPES } from "./constants";
import type { Logger } from "./log";
import { type Json, type Message, fromC2CWire, fromGroupWire } from "./message";
import type { ConvState, Store } from "./store";
import type { ChatError, Rpc } from "./transport";

export interface C2CCursor {
  seq: number;
  cursor: string;
}

export interface SyncOptions {
  rpc: Rpc;
  store: Store;
  log: Logger;
  me: () => string;
  /** called when the set of joined groups may have changed (a tip about us, an unknown group) */
  onGroupsChanged?: () => void;
  /** a server refusal the app should hear of (EVENT.ERROR) */
  onError?: (code: number, message: string) => void;
  /** delay before asking again when a log position is still being written (Complete 0, cursor unmoved) */
  retryDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** markers of own sends whose reply came while a fetch ran: replayed with the held pushes */
const OWN_C2C = "__own_c2c";
const OWN_GROUP = "__own_group";
const C2C_EVENTS = new Set(["c2c_msg", "msg_withdraw", "msg_modify"]);
const GROUP_EVENTS = new Set(["GroupMessage", "GroupTip"]);
const UNREAD_FREE_GROUPS = new Set(["ChatRoom", "AVChatRoom", "Meeting"]);

/** Compare two positions "{time}.{seq}" as pairs of integers; "" is the start. */
export function compareCursor(a: string, b: string): number {
  const pa = a ? a.split(".").map(Number) : [0, 0];
  const pb = b ? b.split(".").map(Number) : [0, 0];
  return (pa[0] ?? 0) - (pb[0] ?? 0) || (pa[1] ?? 0) - (pb[1] ?? 0);
}

class Stale extends Error {}

const NOT_IMPORTED = new Set([90008, 10019, 50001, 70107]);
/** network, timeout, aborted, "retry in a moment": the catch-up fails and the reconnect redoes it */
const TRANSIENT = new Set([2800, 2801, 2802, 70500]);

export class SyncEngine {
  readonly c2c = new Map<string, C2CCursor>();
  readonly groups = new Map<string, number>();
  /** IDs of messages this instance sent: applied silently when the log hands them back */
  readonly ownIDs = new Set<string>();
  /** IDs already emitted: a message the log holds twice (a retry the server no longer recognised) is news once */
  readonly emitted = new Set<string>();
  /** true once the first catch-up set the baseline (before it, existing history is not news) */
  baselineDone = false;
  /** pushes are held while true: until the first catch-up, and from a lost socket to the next catch-up */
  private syncing = true;
  private held: [string, Json][] = [];
  private locks = new Map<string, Promise<void>>();
  private convHeld = new Map<string, [string, Json][]>();
  private generation = 0;
  private readonly retryDelayMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly o: SyncOptions) {
    this.retryDelayMs = o.retryDelayMs ?? 300;
    this.sleep = o.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  get isSyncing(): boolean {
    return this.syncing;
  }

  /** Forget everything (logout). */
  reset(): void {
    this.generation++;
    this.c2c.clear();
    this.groups.clear();
    this.ownIDs.clear();
    this.emitted.clear();
    this.baselineDone = false;
    this.syncing = true;
    this.held = [];
    this.locks.clear();
    this.convHeld.clear();
  }

  /** The socket went away: fetches in flight are abandoned (the next catch-up redoes them). */
  disconnected(): void {
    this.generation++;
    this.syncing = true; // hold pushes until the next catch-up (none arrive without a socket anyway)
    this.locks.clear();
    // pushes held per conversation are replayed after the next catch-up, with the global ones
    for (const list of this.convHeld.values()) this.held.push(...list);
    this.convHeld.clear();
  }

  private check(gen: number): void {
    if (gen !== this.generation) throw new Stale("connection changed");
  }

  /** Run after every successful (re)connect. Resolves when caught up (rejects on a failure of this connection). */
  async catchUp(): Promise<void> {
    const gen = ++this.generation;
    this.syncing = true;
    this.locks.clear();
    try {
      await this.part(gen, "one-to-one", () => this.catchUpC2C(gen));
      await this.part(gen, "groups", () => this.catchUpGroups(gen));
      this.check(gen);
      this.baselineDone = true;
      this.syncing = false;
      const held = this.held;
      this.held = [];
      for (const [name, data] of held) this.push(name, data);
    } catch (e) {
      if (e instanceof Stale) return;
      throw e;
    }
  }

  /**
   * One half of the catch-up. A network failure fails the catch-up (the reconnect redoes it); a refusal by the server
   * (e.g. an identifier that is an app admin but no imported account has no conversations) is logged and skipped,
   * so it cannot keep the session from becoming ready.
   */
  private async part(gen: number, what: string, fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (e) {
      if (e instanceof Stale) throw e;
      const code = (e as ChatError)?.code;
      if (code === undefined || TRANSIENT.has(code)) throw e;
      this.o.log.warn(`${what} catch-up refused by the server`, code, (e as Error)?.message);
      // an identifier that is an app admin but no imported account has no conversations: not worth an ERROR
      if (!NOT_IMPORTED.has(code)) this.o.onError?.(code, `${what} catch-up refused: ${(e as Error)?.message ?? ""}`);
    }
  }

  private async call(gen: number, cmd: string, body: Json): Promise<Json> {
    this.check(gen);
    const r = await this.o.rpc.request(cmd, body);
    this.check(gen);
    return r;
  }

  // ---------------------------------------------------------------- C2C

  private async catchUpC2C(gen: number): Promise<void> {
    const me = this.o.me();
    const items: Json[] = [];
    let after: string | undefined;
    for (;;) {
      const body: Json = { From_Account: me, MaxCnt: 100 };
      if (after !== undefined) body.After = after;
      const r = await this.call(gen, "openim/sync_conversations", body);
      const page = (r.Conversations as Json[]) ?? [];
      items.push(...page);
      if (r.Complete !== 0 || page.length === 0) break;
      after = String(page[page.length - 1]?.Peer_Account ?? "");
    }
    const store = this.o.store;
    const toSync: string[] = [];
    for (const it of items) {
      const peer = String(it.Peer_Account);
      if (peer === me) continue;
      const s = store.conv(`C2C${peer}`);
      const seq = Number(it.Seq ?? 0);
      const cursor = String(it.Cursor ?? "");
      if (Number(it.PeerReadTime ?? 0) > s.conv.peerReadTime) this.peerRead(s, Number(it.PeerReadTime));
      const pinned = Number(it.TopFlag ?? 0) === 1;
      if (s.conv.isPinned !== pinned) {
        s.conv.isPinned = pinned;
        store.touchConvs();
      }
      if (Number(it.Deleted ?? 0) === 1 && !s.hidden) {
        s.hidden = true;
        store.touchConvs();
      } else if (Number(it.Deleted ?? 0) !== 1 && s.hidden && (seq > 0 || pinned)) {
        s.hidden = false;
        store.touchConvs();
      }
      const kept = this.c2c.get(peer);
      const readMark = Number(it.MsgReadTime ?? 0);
      const readElsewhere = readMark > s.serverReadMark && !s.ownReadPending;
      if (!kept && this.baselineDone && readMark === 0) {
        // a conversation that began while away, never read anywhere: its whole log is fetched and counted here
        s.unreadBaseSeq = 0;
        store.setUnread(s, 0);
      } else if (!kept || !this.baselineDone || readElsewhere) {
        // the server's unread count is the truth as of `seq` (first sight, or read on another terminal meanwhile);
        // later events count on top of it
        s.unreadBaseSeq = seq;
        store.setUnread(s, Number(it.UnreadMsgNum ?? 0));
      } else {
        // nothing was read elsewhere: count the events caught up on ourselves. The snapshot's count may lag its
        // Seq for a moment (the recipient's row is written after the log position is taken), so it is not used.
        s.unreadBaseSeq = kept.seq;
      }
      s.readMark = Math.max(s.readMark, readMark);
      s.serverReadMark = Math.max(s.serverReadMark, readMark);
      s.ownReadPending = false;
      if (kept) {
        if (kept.cursor !== cursor && compareCursor(cursor, kept.cursor) > 0) toSync.push(peer);
      } else if (!this.baselineDone) {
        this.c2c.set(peer, { seq, cursor });
      } else {
        this.c2c.set(peer, { seq: 0, cursor: "" });
        if (seq > 0) toSync.push(peer);
      }
    }
    for (const peer of toSync) {
      await this.skipRefused(`C2C${peer}`, () => this.withLock(`C2C${peer}`, gen, () => this.fetchC2C(gen, peer)));
    }
  }

  /** One conversation's fetch: a refusal (e.g. a peer account deleted meanwhile) skips that conversation only. */
  private async skipRefused(what: string, fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (e) {
      const code = (e as ChatError)?.code;
      if (e instanceof Stale || code === undefined || TRANSIENT.has(code)) throw e;
      this.o.log.warn(`catch-up of ${what} refused`, code, (e as Error)?.message);
    }
  }

  /** `openim/sync` from the kept cursor until Complete; applies each event once, in order. */
  private async fetchC2C(gen: number, peer: string): Promise<void> {
    let waitedMs = 0;
    for (;;) {
      const kept = this.c2c.get(peer) ?? { seq: 0, cursor: "" };
      const r = await this.call(gen, "openim/sync", {
        From_Account: this.o.me(),
        Peer_Account: peer,
        Cursor: kept.cursor,
        MaxCnt: 100,
      });
      for (const ev of (r.Events as Json[]) ?? []) {
        this.applyC2CIfNext(String(ev.event), (ev.data ?? {}) as Json, true);
      }
      const now = this.c2c.get(peer) ?? { seq: 0, cursor: "" };
      const seq = Number(r.Seq ?? 0);
      const cursor = String(r.Cursor ?? "");
      if (cursor && compareCursor(cursor, now.cursor) > 0 && seq >= now.seq) this.c2c.set(peer, { seq, cursor });
      this.o.store.flush();
      if (r.Complete === 1) return;
      const moved = this.c2c.get(peer)?.cursor !== kept.cursor;
      if (!moved) {
        // a send is still being written at the next position: ask again after a moment (the server passes over
        // a position whose writer died after 60 s)
        if (waitedMs > 90_000) throw chatErr(70500, `sync of ${peer} made no progress`);
        await this.sleep(this.retryDelayMs);
        waitedMs += this.retryDelayMs;
      }
    }
  }

  /** Apply a C2C log event if it is the next one; returns false for a duplicate. Gaps are the caller's business. */
  private applyC2CIfNext(name: string, d: Json, fromSync: boolean): boolean {
    const me = this.o.me();
    const peer = d.From_Account === me ? String(d.To_Account) : String(d.From_Account);
    const kept = this.c2c.get(peer) ?? { seq: 0, cursor: "" };
    const seq = Number(d.Seq ?? 0);
    if (seq <= kept.seq) return false;
    if (!fromSync && seq !== kept.seq + 1) return false;
    this.c2c.set(peer, { seq, cursor: String(d.Cursor ?? "") });
    this.applyC2C(name, d, seq);
    return true;
  }

  private applyC2C(name: string, d: Json, seq: number): void {
    const store = this.o.store;
    const m = fromC2CWire(d, this.o.me());
    const s = store.conv(m.conversationID);
    const counts = seq > s.unreadBaseSeq;
    if (name === "c2c_msg") {
      // the log hands each position over once: whatever a history page may already have cached, this is news
      const { message } = store.append(m);
      if (!this.ownIDs.has(m.ID) && !this.emitted.has(m.ID)) {
        this.emitted.add(m.ID);
        store.queueReceived(message);
        if (counts && m.flow === "in") store.setUnread(s, s.conv.unreadCount + 1);
      }
      if (s.hidden) s.hidden = false;
      store.touchConvs();
    } else if (name === "msg_withdraw") {
      const known = store.find(m.conversationID, m.ID);
      const wasUnread = m.flow === "in" && m.time > s.readMark && !(known?.isRevoked ?? false);
      m.revoker = m.from;
      const out = store.update(m);
      out.isRevoked = true;
      store.queueRevoked(out);
      if (counts && wasUnread) store.setUnread(s, s.conv.unreadCount - 1);
      store.touchConvs();
    } else if (name === "msg_modify") {
      const known = store.find(m.conversationID, m.ID);
      if (known?.isRevoked) return; // a recall is final
      const out = store.update(m);
      out.isModified = true;
      store.queueModified(out);
    }
  }

  /** The reply to our own openim/sendmsg: treated like a push of that message. */
  ownC2CSent(peer: string, reply: Json): void {
    const seq = Number(reply.Seq ?? 0);
    const cursor = String(reply.Cursor ?? "");
    const key = `C2C${peer}`;
    if (this.syncing || this.locks.has(key)) {
      // a catch-up or a fetch of this conversation is running: place it after that, like a held push
      const marker: [string, Json] = [OWN_C2C, { peer, Seq: seq, Cursor: cursor }];
      if (this.syncing) this.held.push(marker);
      else this.holdFor(key, ...marker);
      return;
    }
    const kept = this.c2c.get(peer) ?? { seq: 0, cursor: "" };
    if (!seq) {
      // answered a retry of an earlier attempt: the log knows where; sync to place it
      this.requestC2CSync(peer);
      return;
    }
    if (seq === kept.seq + 1) {
      this.c2c.set(peer, { seq, cursor });
      const s = this.o.store.conv(`C2C${peer}`);
      if (s.hidden) {
        s.hidden = false;
        this.o.store.touchConvs();
      }
    } else if (seq > kept.seq) {
      this.requestC2CSync(peer);
    }
  }

  private requestC2CSync(peer: string): void {
    if (this.syncing) return; // the catch-up in progress will see it
    const gen = this.generation;
    this.withLock(`C2C${peer}`, gen, () => this.fetchC2C(gen, peer)).catch((e) => this.fetchFailed(e));
  }

  private fetchFailed(e: unknown): void {
    if (e instanceof Stale) return;
    this.o.log.warn("sync fetch failed (the next reconnect catches up)", (e as ChatError)?.code, (e as Error)?.message);
  }

  // ---------------------------------------------------------------- groups

  private async catchUpGroups(gen: number): Promise<void> {
    const me = this.o.me();
    const r = await this.call(gen, "group_open_http_svc/get_joined_group_list", {
      Member_Account: me,
      ResponseFilter: {
        GroupBaseInfoFilter: ["Type", "Name", "FaceUrl", "Owner_Account", "NextMsgSeq", "LastMsgTime", "MemberNum", "Introduction", "Notification"],
        SelfInfoFilter: ["Role", "MsgFlag", "UnreadMsgNum", "JoinTime"],
      },
    });
    const store = this.o.store;
    const list = (r.GroupIdList as Json[]) ?? [];
    const seen = new Set<string>();
    const toFetch: [string, number, number][] = [];
    for (const g of list) {
      const gid = String(g.GroupId);
      seen.add(gid);
      this.rememberGroup(g);
      const last = Math.max(0, Number(g.NextMsgSeq ?? 1) - 1);
      const self = (g.SelfInfo ?? {}) as Json;
      const unread = Number(self.UnreadMsgNum ?? 0);
      const s = store.conv(`GROUP${gid}`);
      s.noUnread = UNREAD_FREE_GROUPS.has(String(g.Type));
      s.readMark = Math.max(0, last - unread);
      s.unreadBaseSeq = last;
      if (s.hidden) {
        s.hidden = false;
        store.touchConvs();
      }
      store.setUnread(s, unread);
      const kept = this.groups.get(gid);
      if (kept !== undefined) {
        if (last > kept) toFetch.push([gid, kept, last]);
      } else if (!this.baselineDone) {
        this.groups.set(gid, last);
      } else {
        // joined while away: what we have not read is what is new to us
        const from = Math.max(0, last - Math.max(unread, 0));
        this.groups.set(gid, from);
        if (last > from) toFetch.push([gid, from, last]);
      }
    }
    for (const gid of [...store.groups.keys()]) {
      if (!seen.has(gid)) {
        store.groups.delete(gid);
        store.touchGroups();
      }
    }
    for (const [gid, from, to] of toFetch) {
      await this.skipRefused(`GROUP${gid}`, () =>
        this.withLock(`GROUP${gid}`, gen, () => this.fetchGroup(gen, gid, from, to)),
      );
    }
  }

  rememberGroup(g: Json): void {
    const gid = String(g.GroupId);
    const self = (g.SelfInfo ?? {}) as Json;
    const prev = this.o.store.groups.get(gid) ?? {};
    const group: Json = {
      ...prev,
      groupID: gid,
      name: String(g.Name ?? prev.name ?? ""),
      avatar: String(g.FaceUrl ?? prev.avatar ?? ""),
      type: String(g.Type ?? prev.type ?? ""),
      ownerID: String(g.Owner_Account ?? prev.ownerID ?? ""),
      introduction: String(g.Introduction ?? prev.introduction ?? ""),
      notification: String(g.Notification ?? prev.notification ?? ""),
      memberCount: Number(g.MemberNum ?? prev.memberCount ?? 0),
      nextMessageSeq: Number(g.NextMsgSeq ?? prev.nextMessageSeq ?? 1),
      lastMessage: prev.lastMessage ?? {},
      selfInfo: {
        role: String(self.Role ?? (prev.selfInfo as Json | undefined)?.role ?? ""),
        messageRemindType: String(self.MsgFlag ?? TYPES.MSG_REMIND_ACPT_AND_NOTE),
        joinTime: Number(self.JoinTime ?? 0),
      },
    };
    this.o.store.groups.set(gid, group);
    const s = this.o.store.conv(`GROUP${gid}`);
    s.conv.groupProfile = group;
    this.o.store.touchGroups();
  }

  /** Messages (from, to] of a group, newest page first, then applied oldest first. */
  private async fetchGroup(gen: number, gid: string, from: number, to: number): Promise<void> {
    const got = new Map<number, Json>();
    let req = to;
    while (req > from) {
      const n = Math.min(20, req - from);
      const r = await this.call(gen, "group_open_http_svc/group_msg_get_simple", {
        GroupId: gid,
        ReqMsgSeq: req,
        ReqMsgNumber: n,
        WithRecalledMsg: 1,
      });
      const page = (r.RspMsgList as Json[]) ?? [];
      let lowest = req + 1;
      for (const m of page) {
        const seq = Number(m.MsgSeq ?? 0);
        if (seq > from && seq <= to) got.set(seq, m);
        lowest = Math.min(lowest, seq);
      }
      if (page.length === 0 || r.IsFinished === 1 || lowest > req) break;
      req = lowest - 1;
    }
    const kept0 = this.groups.get(gid) ?? from;
    for (let seq = kept0 + 1; seq <= to; seq++) {
      const m = got.get(seq);
      this.groups.set(gid, seq);
      if (m && Number(m.IsPlaceMsg ?? 0) !== 1) this.applyGroup(gid, m, seq);
    }
    this.o.store.flush();
  }

  private applyGroup(gid: string, d: Json, seq: number): void {
    const store = this.o.store;
    const me = this.o.me();
    const m = fromGroupWire(d, gid, me);
    const s = store.conv(m.conversationID);
    if (s.hidden) {
      s.hidden = false;
      store.touchConvs();
    }
    const { message } = store.append(m);
    if (!this.ownIDs.has(m.ID) && !this.emitted.has(m.ID)) {
      this.emitted.add(m.ID);
      store.queueReceived(message);
    }
    // the server counts unread as last seq − read seq, every message and tip alike
    if (seq > s.unreadBaseSeq) store.setUnread(s, seq - s.readMark);
    if (m.type === TYPES.MSG_GRP_TIP) {
      const op = String((m.payload.opType as string) ?? "");
      if (op === "Recall") {
        for (const rseq of (m.payload.msgSeqList as number[]) ?? []) {
          const target = store.findGroupSeq(m.conversationID, rseq);
          if (target && !target.isRevoked) {
            target.isRevoked = true;
            target.revoker = m.from;
            target.payload = {};
            target._elements = [];
            const cs = store.conv(m.conversationID);
            if (cs.conv.lastMessage?.ID === target.ID) store.setLastMessage(cs, target, true);
            store.queueRevoked(target);
          }
        }
      } else if (op === "Dismiss" || ((op === "Quit" || op === "Kick") && (m.payload.userIDList as string[]).includes(me))) {
        if (store.groups.delete(gid)) store.touchGroups();
      } else if (op === "Join" || op === "ModifyGroupInfo" || op === "ChangeOwner" || op === "ModifyMemberInfo") {
        this.o.onGroupsChanged?.();
      }
    }
  }

  /** The reply to our own send_group_msg. */
  ownGroupSent(gid: string, seq: number): void {
    if (!seq) return;
    const key = `GROUP${gid}`;
    if (this.syncing || this.locks.has(key)) {
      const marker: [string, Json] = [OWN_GROUP, { GroupId: gid, MsgSeq: seq }];
      if (this.syncing) this.held.push(marker);
      else this.holdFor(key, ...marker);
      return;
    }
    const kept = this.groups.get(gid);
    if (kept === undefined) {
      this.groups.set(gid, seq); // a group created or joined just now: it starts with our message
      return;
    }
    if (seq === kept + 1) {
      this.groups.set(gid, seq);
    } else if (seq > kept + 1) {
      this.requestGroupSync(gid, seq); // the gap and our own message (applied silently)
    }
  }

  private requestGroupSync(gid: string, to: number): void {
    if (this.syncing) return;
    const gen = this.generation;
    this.withLock(`GROUP${gid}`, gen, async () => {
      const kept = this.groups.get(gid) ?? to;
      if (to > kept) await this.fetchGroup(gen, gid, kept, to);
    }).catch((e) => this.fetchFailed(e));
  }

  // ---------------------------------------------------------------- pushes

  /** Whether the engine handles this event name (logged events of C2C and groups). */
  handles(name: string): boolean {
    return C2C_EVENTS.has(name) || GROUP_EVENTS.has(name);
  }

  /** A live push (or the marker of an own send that waited for a fetch). */
  push(name: string, data: Json): void {
    if (name === OWN_C2C) {
      this.ownC2CSent(String(data.peer), data);
      return;
    }
    if (name === OWN_GROUP) {
      this.ownGroupSent(String(data.GroupId), Number(data.MsgSeq ?? 0));
      return;
    }
    if (C2C_EVENTS.has(name)) {
      if (data.Seq === undefined || data.Seq === null) {
        // online-only: no log position; delivered once as it comes
        if (name === "c2c_msg") {
          const m = fromC2CWire(data, this.o.me());
          m._onlineOnly = true;
          if (!this.ownIDs.has(m.ID)) this.o.store.queueReceived(m);
        }
        return;
      }
      if (this.syncing) {
        this.held.push([name, data]);
        return;
      }
      const me = this.o.me();
      const peer = data.From_Account === me ? String(data.To_Account) : String(data.From_Account);
      const key = `C2C${peer}`;
      if (this.locks.has(key)) {
        this.holdFor(key, name, data);
        return;
      }
      if (!this.c2c.has(peer)) this.c2c.set(peer, { seq: 0, cursor: "" }); // a conversation new since the baseline
      const kept = this.c2c.get(peer)!;
      const seq = Number(data.Seq);
      if (seq <= kept.seq) return; // duplicate
      if (seq === kept.seq + 1) {
        this.applyC2CIfNext(name, data, false);
        return;
      }
      this.holdFor(key, name, data);
      this.requestC2CSync(peer);
      return;
    }
    if (GROUP_EVENTS.has(name)) {
      const gid = String(data.GroupId ?? "");
      const seq = Number(data.MsgSeq ?? 0);
      if (!seq) {
        const m = fromGroupWire(data, gid, this.o.me());
        m._onlineOnly = true;
        if (!this.ownIDs.has(m.ID)) this.o.store.queueReceived(m);
        return;
      }
      if (this.syncing) {
        this.held.push([name, data]);
        return;
      }
      const key = `GROUP${gid}`;
      if (this.locks.has(key)) {
        this.holdFor(key, name, data);
        return;
      }
      let kept = this.groups.get(gid);
      if (kept === undefined) {
        // a group we learn of by its push (just joined): it starts here for us
        kept = seq - 1;
        this.groups.set(gid, kept);
        const s = this.o.store.conv(key);
        s.readMark = kept;
        s.unreadBaseSeq = kept;
        this.o.onGroupsChanged?.();
      }
      if (seq <= kept) return;
      if (seq === kept + 1) {
        this.groups.set(gid, seq);
        this.applyGroup(gid, data, seq);
        return;
      }
      this.holdFor(key, name, data);
      this.requestGroupSync(gid, seq - 1);
    }
  }

  private holdFor(key: string, name: string, data: Json): void {
    const list = this.convHeld.get(key) ?? [];
    list.push([name, data]);
    this.convHeld.set(key, list);
  }

  /** Run `fn` as the only fetch of conversation `key`; then replay the pushes held for it. */
  private withLock(key: string, gen: number, fn: () => Promise<void>): Promise<void> {
    const prev = this.locks.get(key) ?? Promise.resolve();
    const run = prev
      .catch(() => undefined)
      .then(async () => {
        this.check(gen);
        await fn();
      });
    const tracked = run.finally(() => {
      if (this.locks.get(key) !== tracked || gen !== this.generation) return;
      this.locks.delete(key);
      const held = this.convHeld.get(key) ?? [];
      this.convHeld.delete(key);
      held.sort((a, b) => Number(a[1].Seq ?? a[1].MsgSeq ?? 0) - Number(b[1].Seq ?? b[1].MsgSeq ?? 0));
      for (const [n, d] of held) this.push(n, d);
      this.o.store.flush();
    });
    this.locks.set(key, tracked);
    return tracked;
  }

  // ---------------------------------------------------------------- read marks

  peerRead(s: ConvState, time: number): void {
    s.conv.peerReadTime = Math.max(s.conv.peerReadTime, time);
    const run = this.o.store.runs.get(s.conv.conversationID);
    const newly: Message[] = [];
    for (const m of run?.list ?? []) {
      if (m.flow === "out" && !m.isPeerRead && m.time <= time) {
        m.isPeerRead = true;
        newly.push(m);
      }
    }
    if (newly.length) this.o.store.queueReadByPeer(newly);
    this.o.store.touchConvs();
  }
}

function chatErr(code: number, message: string): ChatError {
  const e = new Error(message) as Error & ChatError;
  e.code = code;
  return e;
}
