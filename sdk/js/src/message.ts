/** Messages: Tencent's Message object, built from wire frames (MsgBody elements) and turned back into MsgBody. */
import { TYPES } from "./constants";

export type Json = Record<string, unknown>;
export interface Element {
  MsgType: string;
  MsgContent: Json;
}

export type MessageStatus = "unSend" | "success" | "fail";

/** Tencent's Message fields (the core subset), plus `_`-prefixed internals the SDK keeps per message. */
export class Message {
  ID = "";
  type: string = TYPES.MSG_TEXT;
  payload: Json = {};
  conversationID = "";
  conversationType: string = TYPES.CONV_C2C;
  to = "";
  from = "";
  flow: "in" | "out" = "out";
  time = 0;
  clientTime = 0;
  status: MessageStatus = "unSend";
  isRevoked = false;
  isModified = false;
  priority: string = TYPES.MSG_PRIORITY_NORMAL;
  nick = "";
  avatar = "";
  isPeerRead = false;
  nameCard = "";
  atUserList: string[] = [];
  cloudCustomData = "";
  isDeleted = false;
  needReadReceipt = false;
  revoker = "";
  /** C2C: the message's place in its conversation log (`Seq`); groups: the group's MsgSeq */
  sequence = 0;
  random = 0;
  isSystemMessage = false;
  isRead = false;
  protocol = "JSON";
  /** every element of the body (Tencent messages carry one; the wire allows several) */
  _elements: Element[] = [];
  /** C2C: MsgSeq chosen by the sender, with `random` (MsgRandom) identifying the message; MsgKey once sent */
  _msgSeq = 0;
  _msgKey = "";
  /** online-only (MsgLifeTime 0 / OnlineOnlyFlag) */
  _onlineOnly = false;
  /** an image or file still to upload: `sendMessage` uploads it first (src/media.ts) */
  _file: Blob | undefined = undefined;

  getElemList(): Element[] {
    return this._elements;
  }
}

export function c2cMessageID(from: string, msgSeq: number, random: number): string {
  return `c2c-${from}-${msgSeq}-${random}`;
}

export function groupMessageID(groupID: string, from: string, random: number, seq: number, system: boolean): string {
  return system || !random ? `grp-${groupID}-#${seq}` : `grp-${groupID}-${from}-${random}`;
}

const num = (v: unknown, d = 0): number => (typeof v === "number" ? v : d);
const str = (v: unknown, d = ""): string => (typeof v === "string" ? v : d);

/** A wire element → Tencent's (type, payload). Text stays text: nothing is escaped or unescaped. */
export function payloadOf(el: Element): Json {
  const c = el.MsgContent ?? {};
  switch (el.MsgType) {
    case TYPES.MSG_TEXT:
      return { text: str(c.Text) };
    case TYPES.MSG_CUSTOM:
      return { data: str(c.Data), description: str(c.Desc), extension: str(c.Ext) };
    case TYPES.MSG_FACE:
      return { index: num(c.Index), data: str(c.Data) };
    case TYPES.MSG_LOCATION:
      return { description: str(c.Desc), latitude: num(c.Latitude), longitude: num(c.Longitude) };
    case TYPES.MSG_IMAGE:
      return {
        uuid: str(c.UUID),
        imageFormat: num(c.ImageFormat),
        imageInfoArray: ((c.ImageInfoArray as Json[]) ?? []).map((i) => ({
          type: num(i.Type),
          size: num(i.Size),
          width: num(i.Width),
          height: num(i.Height),
          url: str(i.URL),
          imageUrl: str(i.URL),
        })),
      };
    case TYPES.MSG_FILE:
      return { uuid: str(c.UUID), fileUrl: str(c.Url), fileName: str(c.FileName), fileSize: num(c.FileSize) };
    case TYPES.MSG_SOUND:
      return { uuid: str(c.UUID), url: str(c.Url), size: num(c.Size), second: num(c.Second) };
    case TYPES.MSG_VIDEO:
      return {
        videoUrl: str(c.VideoUrl),
        videoUUID: str(c.VideoUUID),
        videoSize: num(c.VideoSize),
        videoSecond: num(c.VideoSecond),
        videoFormat: str(c.VideoFormat),
        thumbUrl: str(c.ThumbUrl),
        thumbWidth: num(c.ThumbWidth),
        thumbHeight: num(c.ThumbHeight),
      };
    case TYPES.MSG_GRP_TIP:
      return groupTipPayload(c);
    default:
      return { ...c };
  }
}

const TIP_OPS: Record<string, number> = {
  Join: TYPES.GRP_TIP_MBR_JOIN,
  Quit: TYPES.GRP_TIP_MBR_QUIT,
  Kick: TYPES.GRP_TIP_MBR_KICKED_OUT,
  ModifyGroupInfo: TYPES.GRP_TIP_GRP_PROFILE_UPDATED,
  ModifyMemberInfo: TYPES.GRP_TIP_MBR_PROFILE_UPDATED,
};

function groupTipPayload(c: Json): Json {
  const op = str(c.OpType);
  const users = (c.MemberList ?? c.Member_Account_List ?? c.UserIDList ?? []) as unknown[];
  const userIDList = users.map((u) => (typeof u === "string" ? u : str((u as Json)?.Member_Account))).filter(Boolean);
  if (typeof c.Member_Account === "string") userIDList.push(c.Member_Account);
  return {
    operationType: TIP_OPS[op] ?? 0,
    opType: op,
    operatorID: str(c.Operator_Account),
    userIDList,
    newGroupProfile: c.GroupInfo ?? null,
    memberList: c.MemberList ?? [],
    msgSeqList: ((c.MsgSeqList as Json[]) ?? []).map((x) => num(x.MsgSeq)),
    raw: { ...c },
  };
}

/** Tencent's payload for a message type → one wire element. */
export function elementOf(type: string, p: Json): Element {
  switch (type) {
    case TYPES.MSG_TEXT:
      return { MsgType: type, MsgContent: { Text: str(p.text) } };
    case TYPES.MSG_CUSTOM: {
      const c: Json = { Data: str(p.data) };
      if (p.description !== undefined) c.Desc = str(p.description);
      if (p.extension !== undefined) c.Ext = str(p.extension);
      return { MsgType: type, MsgContent: c };
    }
    case TYPES.MSG_FACE:
      return { MsgType: type, MsgContent: { Index: num(p.index), Data: str(p.data) } };
    case TYPES.MSG_LOCATION:
      return {
        MsgType: type,
        MsgContent: { Desc: str(p.description), Latitude: num(p.latitude), Longitude: num(p.longitude) },
      };
    case TYPES.MSG_IMAGE:
      return {
        MsgType: type,
        MsgContent: {
          UUID: str(p.uuid) || randomUUID(),
          ImageFormat: num(p.imageFormat, 255),
          ImageInfoArray: ((p.imageInfoArray as Json[]) ?? []).map((i) => ({
            Type: num(i.type, 1),
            Size: num(i.size),
            Width: num(i.width),
            Height: num(i.height),
            URL: str(i.url ?? i.imageUrl),
          })),
        },
      };
    case TYPES.MSG_FILE: {
      const c: Json = { FileName: str(p.fileName), FileSize: num(p.fileSize), UUID: str(p.uuid) || randomUUID() };
      if (p.fileUrl) c.Url = str(p.fileUrl);
      return { MsgType: type, MsgContent: c };
    }
    default:
      throw new Error(`cannot send a ${type} message`);
  }
}

export function randomUUID(): string {
  const c = globalThis.crypto as Crypto | undefined;
  if (c?.randomUUID) return c.randomUUID();
  return `${Date.now().toString(16)}-${Math.random().toString(16).slice(2)}`;
}

/** A uint32 from the platform's random source. */
export function randomUint32(): number {
  const c = globalThis.crypto as Crypto | undefined;
  if (c?.getRandomValues) return c.getRandomValues(new Uint32Array(1))[0] || 1;
  return Math.floor(Math.random() * 0xffffffff) + 1;
}

function fillBody(m: Message, body: Element[]): void {
  m._elements = body;
  const first = body[0];
  if (first) {
    m.type = first.MsgType;
    m.payload = payloadOf(first);
  } else {
    m.payload = {};
  }
}

/** A C2C wire message (push `c2c_msg`/`msg_withdraw`/`msg_modify` data, or a history item) as seen by `me`. */
export function fromC2CWire(d: Json, me: string): Message {
  const m = new Message();
  const from = str(d.From_Account);
  const to = str(d.To_Account);
  const peer = from === me ? to : from;
  m.from = from;
  m.to = to;
  m.flow = from === me ? "out" : "in";
  m.conversationType = TYPES.CONV_C2C;
  m.conversationID = `C2C${peer}`;
  m._msgSeq = num(d.MsgSeq);
  m.random = num(d.MsgRandom);
  m._msgKey = str(d.MsgKey);
  m.ID = c2cMessageID(from, m._msgSeq, m.random);
  m.time = num(d.MsgTimeStamp);
  m.clientTime = m.time;
  m.sequence = num(d.Seq);
  m.status = "success";
  m.cloudCustomData = str(d.CloudCustomData);
  m.isRevoked = (num(d.MsgFlagBits) & 8) !== 0;
  m._onlineOnly = num(d.OnlineOnlyFlag) === 1;
  const sp = d.SenderProfile as Json | undefined;
  if (sp) {
    m.nick = str(sp.Nick);
    m.avatar = str(sp.FaceUrl);
  }
  fillBody(m, (d.MsgBody as Element[]) ?? []);
  if (m.isRevoked) m.revoker = from;
  return m;
}

/** A group wire message (push `GroupMessage`/`GroupTip`, or a group_msg_get_simple item) as seen by `me`. */
export function fromGroupWire(d: Json, groupID: string, me: string): Message {
  const m = new Message();
  const from = str(d.From_Account);
  m.from = from;
  m.to = groupID;
  m.flow = from === me ? "out" : "in";
  m.conversationType = TYPES.CONV_GROUP;
  m.conversationID = `GROUP${groupID}`;
  m.sequence = num(d.MsgSeq);
  m.random = num(d.MsgRandom ?? d.Random);
  m.isSystemMessage = num(d.IsSystemMsg) === 1;
  m.ID = groupMessageID(groupID, from, m.random, m.sequence, m.isSystemMessage);
  m.time = num(d.MsgTimeStamp);
  m.clientTime = m.time;
  m.status = "success";
  m.priority = str(d.MsgPriority, TYPES.MSG_PRIORITY_NORMAL);
  m.cloudCustomData = str(d.CloudCustomData);
  m.isRevoked = num(d.IsPlaceMsg) === 2;
  m._onlineOnly = num(d.OnlineOnlyFlag) === 1;
  const sp = d.SenderProfile as Json | undefined;
  if (sp) {
    m.nick = str(sp.Nick);
    m.avatar = str(sp.FaceUrl);
  }
  fillBody(m, (d.MsgBody as Element[]) ?? []);
  return m;
}

/** The fields of `src` an edit or a recall changes, copied onto the message the app already holds. */
export function applyUpdate(target: Message, src: Message): void {
  target._elements = src._elements;
  target.type = src.type;
  target.payload = src.payload;
  target.cloudCustomData = src.cloudCustomData;
  if (src.isRevoked) {
    target.isRevoked = true;
    target.revoker = src.revoker || target.revoker;
  }
}
