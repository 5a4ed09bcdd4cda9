/**
 * One WebSocket: frames {reqId, cmd, body} out, replies matched by reqId, events {event, data} in, heartbeats.
 *
 * The socket class is injected (browsers pass nothing and get the global WebSocket; Node passes `ws`; other runtimes
 * their own class with the same shape). The transport knows nothing of login state: `open()` resolves once the first
 * frame (a heartbeat) is answered OK — with `refusal=frame` that answer IS the login verdict — and `onDrop` reports
 * a socket that went away after that, with the Tencent code of the last fatal reply if there was one.
 */
import { ERR } from "./constants";
import type { Logger } from "./log";

export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code?: number; reason?: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}
/** Any class shaped like the browser's WebSocket (the `ws` package's, a mini program adapter...): only `send`,
 * `close`, `readyState` and the `on*` handler properties are used. Typed loosely so that such classes fit. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type WebSocketCtor = new (url: string) => any;

/** A rejected call: `code` is the server's Tencent code, or one of ERR.* for SDK-side failures. */
export interface ChatError {
  code: number;
  message: string;
  data?: unknown;
}

export function chatError(code: number, message: string, data?: unknown): ChatError {
  const err = new Error(message) as Error & ChatError;
  err.code = code;
  if (data !== undefined) err.data = data;
  return err;
}

export type Reply = Record<string, unknown>;

/** What the sync engine and the API need from a connection; the tests' fake transport implements it too. */
export interface Rpc {
  request(cmd: string, body: Record<string, unknown>, timeoutMs?: number): Promise<Reply>;
}

export interface TransportOptions {
  WebSocket: WebSocketCtor;
  log: Logger;
  requestTimeoutMs?: number;
  heartbeatMs?: number;
  onEvent: (name: string, data: Record<string, unknown>) => void;
  onDrop: (info: DropInfo) => void;
}

export interface DropInfo {
  /** the socket's close code, when the runtime gave one */
  closeCode?: number;
  /** a Tencent code that ended the session: a `kicked` event's, or a frame's reply of 6014/70001/60006/60016/70107 */
  code?: number;
  kicked?: Record<string, unknown>;
}

/** Reply codes after which the server closes the socket (README, Realtime). */
export const SESSION_OVER_CODES = new Set([6014, 70001, 60006, 60016, 70107]);

interface Pending {
  resolve: (r: Reply) => void;
  reject: (e: ChatError) => void;
  timer: ReturnType<typeof setTimeout>;
  cmd: string;
}

const OPEN = 1;
export const HEARTBEAT_CMD = "realtime/heartbeat";

export class Transport {
  private ws: WebSocketLike | null = null;
  private nextReqId = 1;
  private pending = new Map<number, Pending>();
  private heartbeat: ReturnType<typeof setInterval> | null = null;
  private endCode: number | undefined;
  private kicked: Record<string, unknown> | undefined;
  private readonly timeoutMs: number;
  private readonly heartbeatMs: number;
  /** set once `open()` resolved for the current socket */
  private live = false;
  /** the login's refusal, kept in case the close is seen before the rejected reply is handled */
  private refusal: ChatError | undefined;

  constructor(private readonly opts: TransportOptions) {
    this.timeoutMs = opts.requestTimeoutMs ?? 15_000;
    this.heartbeatMs = opts.heartbeatMs ?? 4 * 60_000;
  }

  get connected(): boolean {
    return this.live && this.ws !== null && this.ws.readyState === OPEN;
  }

  /**
   * Open a socket to `url` and log in: resolves when the first heartbeat is answered OK. Rejects with the refusal's
   * Tencent code (`refused: true`), or ERR.NETWORK when the socket closed before opening (a network failure, or an
   * older server refusing the upgrade with HTTP 401/403: a browser cannot tell them apart).
   */
  open(url: string): Promise<void> {
    this.close();
    this.endCode = undefined;
    this.kicked = undefined;
    this.live = false;
    this.refusal = undefined;
    return new Promise<void>((resolve, reject) => {
      let ws: WebSocketLike;
      try {
        ws = new this.opts.WebSocket(url) as WebSocketLike;
      } catch (e) {
        reject(chatError(ERR.NETWORK, `cannot open the socket: ${String(e)}`));
        return;
      }
      this.ws = ws;
      let opened = false;
      let settled = false;
      const fail = (err: ChatError) => {
        if (!settled) {
          settled = true;
          reject(err);
        }
      };
      ws.onopen = () => {
        opened = true;
        this.requestOn(ws, HEARTBEAT_CMD, {}, this.timeoutMs).then(
          () => {
            if (settled || this.ws !== ws) return;
            settled = true;
            this.live = true;
            this.startHeartbeat();
            resolve();
          },
          (err: ChatError) => {
            const refused = err.code !== ERR.NETWORK && err.code !== ERR.TIMEOUT;
            const out = chatError(err.code, err.message, { refused });
            fail(out);
            if (this.ws === ws) this.close();
          },
        );
      };
      ws.onmessage = (ev) => this.receive(ws, ev.data);
      ws.onerror = () => {
        /* onclose follows */
      };
      ws.onclose = (ev) => {
        if (this.ws !== ws) return;
        this.ws = null;
        const wasLive = this.live;
        this.live = false;
        this.stopHeartbeat();
        this.failPending(chatError(ERR.NETWORK, "the socket closed"));
        if (!settled) {
          const r = this.refusal;
          if (r) fail(chatError(r.code, r.message, { refused: true }));
          else {
            const why = opened ? "the socket closed during login" : "the socket closed before opening";
            fail(chatError(ERR.NETWORK, why, { refused: false, closeCode: ev?.code }));
          }
          return;
        }
        if (wasLive) this.opts.onDrop({ closeCode: ev?.code, code: this.endCode, kicked: this.kicked });
      };
    });
  }

  /** Send a command as the logged-in account; resolves the OK reply, rejects {code, message} otherwise. */
  request(cmd: string, body: Record<string, unknown>, timeoutMs?: number): Promise<Reply> {
    const ws = this.ws;
    if (!ws || !this.live || ws.readyState !== OPEN) {
      return Promise.reject(chatError(ERR.NETWORK, "not connected"));
    }
    return this.requestOn(ws, cmd, body, timeoutMs ?? this.timeoutMs);
  }

  private requestOn(ws: WebSocketLike, cmd: string, body: Record<string, unknown>, timeoutMs: number): Promise<Reply> {
    const reqId = this.nextReqId++;
    if (this.nextReqId > 2 ** 53 - 1) this.nextReqId = 1;
    return new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(reqId);
        reject(chatError(ERR.TIMEOUT, `no answer to ${cmd} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(reqId, { resolve, reject, timer, cmd });
      try {
        ws.send(JSON.stringify({ reqId, cmd, body }));
        this.opts.log.debug("→", cmd, reqId);
      } catch (e) {
        clearTimeout(timer);
        this.pending.delete(reqId);
        reject(chatError(ERR.NETWORK, `send failed: ${String(e)}`));
      }
    });
  }

  private receive(ws: WebSocketLike, raw: unknown): void {
    if (this.ws !== ws) return;
    let frame: Record<string, unknown>;
    try {
      const text =
        typeof raw === "string"
          ? raw
          : typeof TextDecoder !== "undefined"
            ? new TextDecoder().decode(raw as ArrayBuffer)
            : String(raw);
      frame = JSON.parse(text) as Record<string, unknown>;
    } catch {
      this.opts.log.warn("unreadable frame dropped");
      return;
    }
    if (typeof frame.event === "string") {
      const data = (frame.data ?? {}) as Record<string, unknown>;
      if (frame.event === "kicked") {
        this.kicked = data;
        this.endCode = typeof data.code === "number" ? data.code : 6208;
      }
      this.opts.onEvent(frame.event, data);
      return;
    }
    const reqId = frame.reqId;
    const code = typeof frame.ErrorCode === "number" ? frame.ErrorCode : 0;
    if (code !== 0 && SESSION_OVER_CODES.has(code) && this.endCode === undefined) this.endCode = code;
    if (typeof reqId !== "number") {
      if (code !== 0) this.opts.log.warn("error frame without reqId", code, frame.ErrorInfo);
      return;
    }
    const p = this.pending.get(reqId);
    if (!p) return;
    this.pending.delete(reqId);
    clearTimeout(p.timer);
    this.opts.log.debug("←", p.cmd, reqId, code);
    if (frame.ActionStatus === "OK" || (code === 0 && frame.ActionStatus === undefined)) p.resolve(frame);
    else {
      const err = chatError(code || -1, String(frame.ErrorInfo ?? "request failed"), frame);
      if (!this.live && p.cmd === HEARTBEAT_CMD) this.refusal = err;
      p.reject(err);
    }
  }

  private startHeartbeat(): void {
    this.stopHeartbeat();
    this.heartbeat = setInterval(() => {
      const ws = this.ws;
      if (!ws || !this.live) return;
      this.requestOn(ws, HEARTBEAT_CMD, {}, this.timeoutMs).catch((err: ChatError) => {
        // no answer: the socket is dead without knowing it; close it so the session reconnects
        if (err.code === ERR.TIMEOUT && this.ws === ws) this.dropSocket();
      });
    }, this.heartbeatMs);
    const t = this.heartbeat as unknown as { unref?: () => void };
    t.unref?.();
  }

  private stopHeartbeat(): void {
    if (this.heartbeat !== null) clearInterval(this.heartbeat);
    this.heartbeat = null;
  }

  private failPending(err: ChatError): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) {
      clearTimeout(p.timer);
      p.reject(err);
    }
  }

  /** Close the socket as if the network dropped it (onDrop fires). Tests and the heartbeat use it. */
  dropSocket(): void {
    const ws = this.ws;
    if (!ws) return;
    try {
      ws.close(4000, "dropped");
    } catch {
      /* already closing */
    }
    // some socket implementations call onclose late (or never after a network loss): report it now
    const onclose = ws.onclose;
    if (onclose) onclose({ code: 4000, reason: "dropped" });
  }

  /** Close without reporting a drop (logout, destroy, before reconnecting). */
  close(): void {
    const ws = this.ws;
    this.ws = null;
    this.live = false;
    this.stopHeartbeat();
    this.failPending(chatError(ERR.ABORTED, "connection closed"));
    if (ws) {
      ws.onopen = ws.onmessage = ws.onerror = null;
      ws.onclose = null;
      try {
        ws.close(1000, "bye");
      } catch {
        /* ignore */
      }
    }
  }
}
