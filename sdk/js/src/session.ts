/**
 * Login / logout / kicked / ready: the connection state machine.
 *
 *   idle ──login()──▶ connecting ──heartbeat OK──▶ ready ──socket lost──▶ reconnecting ──heartbeat OK──▶ ready
 *                        │ refused                       │ kicked / fatal reply          │ refusal that cannot heal
 *                        ▼                               ▼                               ▼
 *                   idle (login rejects)              stopped (KICKED_OUT / ERROR, never reconnects)
 *
 * Reconnects back off exponentially (1 s, 2 s, 4 s … capped at 60 s) with jitter (each delay × 0.5–1.0), and do not
 * need the app to call login again.
 */
import { ERR, TYPES } from "./constants";
import type { Logger } from "./log";
import type { ChatError, DropInfo, Transport } from "./transport";

export type SessionState = "idle" | "connecting" | "ready" | "reconnecting" | "stopped";

/** Refusal codes that a retry cannot heal: stop and tell the app. */
export const FATAL_CODES = new Set([
  60002, 60004, 60006, 60012, 60016, 70001, 70002, 70003, 70009, 70013, 70014, 70020, 70107, 70402,
]);
const SIG_CODES = new Set([70001, 70002, 70003, 70009, 70013, 70014]);

export interface SessionHooks {
  /** the login/reconnect handshake succeeded: catch up, then the session is ready */
  connected(first: boolean): Promise<void>;
  /** the socket went away (SDK_NOT_READY is not emitted for a transient loss) */
  lost(): void;
  netState(state: string): void;
  /** the session ended for good: `type` is a KICKED_OUT_* type, or undefined for other fatal refusals */
  ended(code: number, message: string, kickedType?: string): void;
  /** reconnecting keeps failing before the socket even opens (told once per outage; retries go on) */
  unreachable?(attempts: number): void;
}

/** consecutive closes before opening after which the app is told (ERROR 2800) */
export const UNREACHABLE_AFTER = 8;

export interface SessionOptions {
  transport: Transport;
  log: Logger;
  hooks: SessionHooks;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  random?: () => number;
}

/** 6208 by another Web terminal: multipleAccount (Tencent's "logged in on another page"); by another platform:
 * multipleDevice; 6014 (REST kick) and 70107 (account deleted): REST_API_Kick; 70001-class: userSigExpired. */
export function kickedType(code: number, platform?: string): string {
  if (code === 6208) return !platform || platform.toLowerCase() === "web" ? TYPES.KICKED_OUT_MULT_ACCOUNT : TYPES.KICKED_OUT_MULT_DEVICE;
  if (code === 6014 || code === 70107) return TYPES.KICKED_OUT_REST_API;
  if (SIG_CODES.has(code)) return TYPES.KICKED_OUT_USERSIG_EXPIRED;
  return TYPES.KICKED_OUT_MULT_DEVICE;
}

export class Session {
  state: SessionState = "idle";
  private url = "";
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly random: () => number;
  private epoch = 0;
  private preOpenFailures = 0;
  /** tests and benchmarks: stay disconnected until `resume()` */
  held = false;

  constructor(private readonly o: SessionOptions) {
    this.baseMs = o.backoffBaseMs ?? 1000;
    this.maxMs = o.backoffMaxMs ?? 60_000;
    this.random = o.random ?? Math.random;
  }

  /** First login: resolves once logged in (the catch-up and SDK_READY follow); rejects {code, message} on a refusal. */
  async login(url: string): Promise<void> {
    this.cancelTimer();
    const epoch = ++this.epoch;
    this.url = url;
    this.state = "connecting";
    this.o.hooks.netState(TYPES.NET_STATE_CONNECTING);
    // a socket that closes before opening is retried twice quickly: it may be a blip
    let lastErr: ChatError | undefined;
    for (let i = 0; i < 3; i++) {
      try {
        await this.o.transport.open(url);
        lastErr = undefined;
        break;
      } catch (e) {
        lastErr = e as ChatError;
        const refused = (lastErr.data as { refused?: boolean } | undefined)?.refused;
        if (refused || epoch !== this.epoch) break;
        await new Promise((r) => setTimeout(r, 300 * (i + 1)));
      }
    }
    if (epoch !== this.epoch) throw errorOf(ERR.ABORTED, "login was cancelled");
    if (lastErr) {
      this.state = "idle";
      this.o.hooks.netState(TYPES.NET_STATE_DISCONNECTED);
      throw errorOf(lastErr.code, lastErr.message);
    }
    this.state = "ready";
    this.attempt = 0;
    this.o.hooks.netState(TYPES.NET_STATE_CONNECTED);
    // as Tencent's: login resolves once logged in; SDK_READY follows when the first catch-up is done
    void this.o.hooks.connected(true).catch((e) => {
      if (epoch !== this.epoch) return;
      // the socket broke during the first catch-up: the reconnect loop finishes the job
      this.o.log.warn("first sync failed; will retry on reconnect", (e as ChatError)?.code);
      if (this.o.transport.connected) this.o.transport.dropSocket();
    });
  }

  /** The transport's onDrop. */
  dropped(info: DropInfo): void {
    if (this.state === "stopped" || this.state === "idle") return;
    this.o.hooks.lost();
    const code = info.code;
    if (info.kicked) {
      const platform = typeof info.kicked.platform === "string" ? info.kicked.platform : undefined;
      this.stop(code ?? 6208, String(info.kicked.info ?? "kicked"), kickedType(code ?? 6208, platform));
      return;
    }
    if (code !== undefined && FATAL_CODES.has(code)) {
      this.stop(code, `session ended by the server (${code})`, SIG_CODES.has(code) ? kickedType(code) : undefined);
      return;
    }
    this.o.hooks.netState(TYPES.NET_STATE_CONNECTING);
    this.scheduleReconnect();
  }

  private stop(code: number, message: string, kicked?: string): void {
    this.state = "stopped";
    this.cancelTimer();
    this.o.transport.close();
    this.o.hooks.netState(TYPES.NET_STATE_DISCONNECTED);
    this.o.hooks.ended(code, message, kicked);
  }

  private scheduleReconnect(): void {
    this.cancelTimer();
    this.state = "reconnecting";
    if (this.held) return;
    const ceiling = Math.min(this.maxMs, this.baseMs * 2 ** this.attempt);
    const delay = Math.round(ceiling * (0.5 + 0.5 * this.random()));
    this.attempt = Math.min(this.attempt + 1, 30);
    this.o.log.info(`reconnecting in ${delay} ms`);
    this.timer = setTimeout(() => void this.reconnect(), delay);
  }

  /** Reconnect now (e.g. the browser says it is online again). */
  reconnectNow(): void {
    if (this.state !== "reconnecting" || this.held) return;
    this.cancelTimer();
    void this.reconnect();
  }

  private async reconnect(): Promise<void> {
    const epoch = this.epoch;
    this.timer = null;
    if (this.state !== "reconnecting") return;
    try {
      await this.o.transport.open(this.url);
    } catch (e) {
      if (epoch !== this.epoch || this.state !== "reconnecting") return;
      const err = e as ChatError;
      const refused = (err.data as { refused?: boolean } | undefined)?.refused;
      if (refused && FATAL_CODES.has(err.code)) {
        this.stop(err.code, err.message, SIG_CODES.has(err.code) || err.code === 70107 ? kickedType(err.code) : undefined);
        return;
      }
      // 6208 (lost a login race), network failures, closes before opening, 5xx: try again later. A socket that
      // never opens may also be an older server refusing the upgrade (HTTP 401/403, unreadable in a browser): after
      // UNREACHABLE_AFTER such attempts in a row the app is told once, and the retries go on at the capped delay.
      if (!refused && ++this.preOpenFailures === UNREACHABLE_AFTER) this.o.hooks.unreachable?.(this.preOpenFailures);
      this.scheduleReconnect();
      return;
    }
    this.preOpenFailures = 0;
    if (epoch !== this.epoch || this.state !== "reconnecting") {
      return;
    }
    this.state = "ready";
    this.attempt = 0;
    this.o.hooks.netState(TYPES.NET_STATE_CONNECTED);
    try {
      await this.o.hooks.connected(false);
    } catch (e) {
      this.o.log.warn("catch-up failed; reconnecting", (e as ChatError)?.code);
      if (this.o.transport.connected) this.o.transport.dropSocket();
    }
  }

  /** logout / destroy: no reconnect, no events. */
  end(): void {
    this.epoch++;
    this.cancelTimer();
    this.state = "idle";
    this.o.transport.close();
  }

  private cancelTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}

export function errorOf(code: number, message: string): ChatError {
  const e = new Error(message) as Error & ChatError;
  e.code = code;
  return e;
}
