/**
 * The local cache: messages and conversations by ID, unread bookkeeping, and the batching of the events they cause.
 *
 * Messages of a conversation are kept as one contiguous run ending at the newest message the sync engine applied:
 * the sync engine appends in log order (it never leaves a gap), history pages are prepended right before the oldest
 * cached message. So `getMessageList` can answer from the cache whenever the run reaches back far enough, and asks
 * the server only for what lies before it (`reachedStart` once the server said there is nothing older).
 */
import { EVENT, TYPES } from "./constants";
import type { Emitter } from "./emitter";
import { type Json, Message, applyUpdate } from "./message";

export interface Conversation {
  conversationID: string;
  type: string;
  subType: string;
  unreadCount: number;
  lastMessage: LastMessage | null;
  groupProfile: Json | null;
  userProfile: Json | null;
  groupAtInfoList: unknown[];
  remark: string;
  isPinned: boolean;
  messageRemindType: string;
  markList: unknown[];
  customData: string;
  draftText: string;
  peerReadTime: number;
}

export interface LastMessage {
  lastTime: number;
  lastSequence: number;
  fromAccount: string;
  type: string;
  payload: Json;
  messageForShow: string;
  isRevoked: boolean;
  isPeerRead: boolean;
  nick: string;
  cloudCustomData: string;
  revoker: string;
  ID: string;
}

export interface MessageRun {
  list: Message[];
  byID: Map<string, Message>;
  reachedStart: boolean;
}

/** Per-conversation bookkeeping behind the public object. */
export interface ConvState {
  conv: Conversation;
  /** C2C: the account's read mark (MsgReadTime); groups: the read seq */
  readMark: number;
  /** C2C: the newest MsgReadTime the server reported (its clock, not ours) */
  serverReadMark: number;
  /** C2C: this terminal marked the conversation read since the last report (its new MsgReadTime is ours) */
  ownReadPending: boolean;
  /** events at or below this log Seq (C2C) / MsgSeq (groups) are already counted in `unreadCount` */
  unreadBaseSeq: number;
  /** ChatRoom / AVChatRoom keep no unread count */
  noUnread: boolean;
  /** not in the app's list (deleted, or a row with nothing in it) until a message arrives */
  hidden: boolean;
}

export function forShow(m: Message): string {
  if (m.isRevoked) return "[recalled]";
  switch (m.type) {
    case TYPES.MSG_TEXT:
      return String(m.payload.text ?? "");
    case TYPES.MSG_CUSTOM:
      return "[custom]";
    case TYPES.MSG_FACE:
      return "[face]";
    case TYPES.MSG_LOCATION:
      return "[location]";
    case TYPES.MSG_IMAGE:
      return "[image]";
    case TYPES.MSG_FILE:
      return "[file]";
    case TYPES.MSG_GRP_TIP:
      return "[group tip]";
    default:
      return "[message]";
  }
}

export class Store {
  readonly convs = new Map<string, ConvState>();
  readonly runs = new Map<string, MessageRun>();
  /** group message IDs by MsgSeq, per group conversation (recall tips name seqs) */
  private readonly groupSeqs = new Map<string, Map<number, string>>();
  readonly groups = new Map<string, Json>();
  readonly profiles = new Map<string, Json>();

  private received: Message[] = [];
  private modified: Message[] = [];
  private revoked: Message[] = [];
  private readByPeer: Message[] = [];
  private convsDirty = false;
  private groupsDirty = false;
  private lastTotal = -1;
  private flushQueued = false;
  /** events are held while false (before SDK_READY nothing is emitted but state) */
  emitting = false;
  /** called after every flush that emitted something (the persistence saves then) */
  onChanged: (() => void) | null = null;

  constructor(private readonly events: Emitter) {}

  reset(): void {
    this.convs.clear();
    this.runs.clear();
    this.groupSeqs.clear();
    this.groups.clear();
    this.profiles.clear();
    this.received = [];
    this.modified = [];
    this.revoked = [];
    this.readByPeer = [];
    this.lastTotal = -1;
    this.emitting = false;
  }

  // ----- conversations -----

  conv(conversationID: string): ConvState {
    let s = this.convs.get(conversationID);
    if (!s) {
      const isGroup = conversationID.startsWith(TYPES.CONV_GROUP);
      const id = conversationID.slice(isGroup ? 5 : 3);
      s = {
        conv: {
          conversationID,
          type: isGroup ? TYPES.CONV_GROUP : TYPES.CONV_C2C,
          subType: "",
          unreadCount: 0,
          lastMessage: null,
          groupProfile: isGroup ? { groupID: id, name: "", avatar: "", type: "" } : null,
          userProfile: isGroup ? null : { userID: id, nick: "", avatar: "" },
          groupAtInfoList: [],
          remark: "",
          isPinned: false,
          messageRemindType: TYPES.MSG_REMIND_ACPT_AND_NOTE,
          markList: [],
          customData: "",
          draftText: "",
          peerReadTime: 0,
        },
        readMark: 0,
        serverReadMark: 0,
        ownReadPending: false,
        unreadBaseSeq: 0,
        noUnread: false,
        hidden: true,
      };
      this.convs.set(conversationID, s);
    }
    return s;
  }

  hasConv(conversationID: string): boolean {
    return this.convs.has(conversationID);
  }

  conversationList(): Conversation[] {
    const list = [...this.convs.values()].filter((s) => !s.hidden).map((s) => s.conv);
    list.sort((a, b) => {
      if (a.isPinned !== b.isPinned) return a.isPinned ? -1 : 1;
      return (b.lastMessage?.lastTime ?? 0) - (a.lastMessage?.lastTime ?? 0);
    });
    return list;
  }

  totalUnread(): number {
    let n = 0;
    for (const s of this.convs.values()) {
      if (!s.hidden && s.conv.messageRemindType !== TYPES.MSG_REMIND_DISCARD) n += s.conv.unreadCount;
    }
    return n;
  }

  setUnread(s: ConvState, n: number): void {
    const v = s.noUnread ? 0 : Math.max(0, n);
    if (s.conv.unreadCount !== v) {
      s.conv.unreadCount = v;
      this.touchConvs();
    }
  }

  setLastMessage(s: ConvState, m: Message, force = false): void {
    const cur = s.conv.lastMessage;
    if (!force && cur && (cur.lastTime > m.time || (cur.lastTime === m.time && cur.lastSequence > m.sequence))) {
      if (cur.ID !== m.ID) return;
    }
    s.conv.lastMessage = {
      lastTime: m.time,
      lastSequence: m.sequence,
      fromAccount: m.from,
      type: m.type,
      payload: m.payload,
      messageForShow: forShow(m),
      isRevoked: m.isRevoked,
      isPeerRead: m.isPeerRead,
      nick: m.nick,
      cloudCustomData: m.cloudCustomData,
      revoker: m.revoker,
      ID: m.ID,
    };
    this.touchConvs();
  }

  touchConvs(): void {
    this.convsDirty = true;
    this.schedule();
  }

  touchGroups(): void {
    this.groupsDirty = true;
    this.schedule();
  }

  // ----- messages -----

  run(conversationID: string): MessageRun {
    let r = this.runs.get(conversationID);
    if (!r) {
      r = { list: [], byID: new Map(), reachedStart: false };
      this.runs.set(conversationID, r);
    }
    return r;
  }

  find(conversationID: string, ID: string): Message | undefined {
    return this.runs.get(conversationID)?.byID.get(ID);
  }

  findByID(ID: string): Message | undefined {
    for (const r of this.runs.values()) {
      const m = r.byID.get(ID);
      if (m) return m;
    }
    return undefined;
  }

  findGroupSeq(conversationID: string, seq: number): Message | undefined {
    const id = this.groupSeqs.get(conversationID)?.get(seq);
    return id ? this.find(conversationID, id) : undefined;
  }

  /** Rebuild the MsgSeq index of a restored run. */
  reindex(conversationID: string): void {
    for (const m of this.runs.get(conversationID)?.list ?? []) this.indexSeq(m);
  }

  private indexSeq(m: Message): void {
    if (m.conversationType !== TYPES.CONV_GROUP || !m.sequence) return;
    let idx = this.groupSeqs.get(m.conversationID);
    if (!idx) {
      idx = new Map();
      this.groupSeqs.set(m.conversationID, idx);
    }
    idx.set(m.sequence, m.ID);
  }

  /** Append a message at the newest end (the sync engine's order); returns the cached one if it was known. */
  append(m: Message): { message: Message; isNew: boolean } {
    const r = this.run(m.conversationID);
    const known = r.byID.get(m.ID);
    if (known) {
      if (m.sequence) known.sequence = m.sequence;
      if (m._msgKey) known._msgKey = m._msgKey;
      if (m.time && known.status !== "success") known.time = m.time;
      this.indexSeq(known);
      return { message: known, isNew: false };
    }
    r.list.push(m);
    r.byID.set(m.ID, m);
    this.indexSeq(m);
    const s = this.conv(m.conversationID);
    if (s.hidden) {
      s.hidden = false;
    }
    // the sender's profile as it was at send time: the conversation's nick and avatar until profiles are loaded
    const up = s.conv.userProfile;
    if (up && m.flow === "in" && m.nick && !up.nick) {
      s.conv.userProfile = { ...up, nick: m.nick, avatar: m.avatar || up.avatar };
    }
    this.setLastMessage(s, m);
    return { message: m, isNew: true };
  }

  /** Older messages (ascending) fetched from history, placed before the oldest cached one. */
  prepend(conversationID: string, older: Message[], reachedStart: boolean): void {
    const r = this.run(conversationID);
    const fresh = older.filter((m) => !r.byID.has(m.ID));
    for (const m of fresh) {
      r.byID.set(m.ID, m);
      this.indexSeq(m);
    }
    r.list = [...fresh, ...r.list];
    if (reachedStart) r.reachedStart = true;
    const s = this.conv(conversationID);
    const newest = r.list[r.list.length - 1];
    if (newest && !s.conv.lastMessage) this.setLastMessage(s, newest);
  }

  remove(conversationID: string, IDs: Set<string>): void {
    const r = this.runs.get(conversationID);
    if (!r) return;
    for (const id of IDs) {
      const m = r.byID.get(id);
      if (m) m.isDeleted = true;
    }
    r.list = r.list.filter((m) => !IDs.has(m.ID));
  }

  clearMessages(conversationID: string): void {
    this.runs.delete(conversationID);
    this.groupSeqs.delete(conversationID);
  }

  // ----- event batches -----

  queueReceived(m: Message): void {
    this.received.push(m);
    this.schedule();
  }
  queueModified(m: Message): void {
    this.modified.push(m);
    this.schedule();
  }
  queueRevoked(m: Message): void {
    this.revoked.push(m);
    this.schedule();
  }
  queueReadByPeer(list: Message[]): void {
    this.readByPeer.push(...list);
    this.schedule();
  }

  /** Apply an edit or a recall to the cached copy (if any); returns the message the app should see. */
  update(src: Message): Message {
    const known = this.find(src.conversationID, src.ID);
    const target = known ?? src;
    if (known) applyUpdate(known, src);
    const s = this.conv(src.conversationID);
    if (s.conv.lastMessage?.ID === target.ID) this.setLastMessage(s, target, true);
    return target;
  }

  private schedule(): void {
    if (this.flushQueued || !this.emitting) return;
    this.flushQueued = true;
    queueMicrotask(() => this.flush());
  }

  /** Emit what accumulated: one batch per event name, then the conversation list and the total unread. */
  flush(): void {
    this.flushQueued = false;
    if (!this.emitting) return;
    const anything =
      this.received.length + this.modified.length + this.revoked.length + this.readByPeer.length > 0 ||
      this.convsDirty ||
      this.groupsDirty;
    const batches: [string, Message[]][] = [
      [EVENT.MESSAGE_RECEIVED, this.received],
      [EVENT.MESSAGE_MODIFIED, this.modified],
      [EVENT.MESSAGE_REVOKED, this.revoked],
      [EVENT.MESSAGE_READ_BY_PEER, this.readByPeer],
    ];
    this.received = [];
    this.modified = [];
    this.revoked = [];
    this.readByPeer = [];
    for (const [name, list] of batches) if (list.length) this.events.emit(name, list);
    if (this.groupsDirty) {
      this.groupsDirty = false;
      this.events.emit(EVENT.GROUP_LIST_UPDATED, [...this.groups.values()]);
    }
    if (this.convsDirty) {
      this.convsDirty = false;
      this.events.emit(EVENT.CONVERSATION_LIST_UPDATED, this.conversationList());
    }
    const total = this.totalUnread();
    if (total !== this.lastTotal) {
      this.lastTotal = total;
      this.events.emit(EVENT.TOTAL_UNREAD_MESSAGE_COUNT_UPDATED, total);
    }
    if (anything) this.onChanged?.();
  }
}
