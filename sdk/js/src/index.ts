/** yuntong-chat: the web client SDK for Yuntong, with the names of Tencent's @tencentcloud/chat. */
import { YuntongChat } from "./chat";

export { YuntongChat };
export type { CreateOptions, MessageOptions, Result, SendOptions } from "./chat";
export { EVENT, TYPES, ERR } from "./constants";
export { Message } from "./message";
export type { Conversation } from "./store";
export type { ChatError, WebSocketCtor, WebSocketLike } from "./transport";
export type { KeyValueStorage } from "./persist";
export default YuntongChat;

/** Internals for the SDK's own tests (the sync engine on a fake transport). Not part of the API. */
export { SyncEngine, compareCursor } from "./sync";
export { Store } from "./store";
export { fromC2CWire, fromGroupWire } from "./message";
export { Emitter } from "./emitter";
export { Logger } from "./log";
export { Session, kickedType } from "./session";
