// The connection state machine on a fake socket (no stack): login verdicts, refusals, reconnect with backoff,
// kicks, and what is never retried.
import assert from "node:assert/strict";
import { test } from "node:test";
import YuntongChat from "../dist/yuntong-chat.mjs";

const { EVENT, TYPES } = YuntongChat;

/** A scripted server: `verdicts` answers each login's first frame (0 = OK, a code = refusal, "close" = the socket
 * closes before opening), then every command is answered with an empty OK. */
function fakeServer(verdicts) {
  const sockets = [];
  class FakeSocket {
    constructor(url) {
      this.url = url;
      this.readyState = 0;
      this.onopen = this.onmessage = this.onclose = this.onerror = null;
      this.verdict = verdicts.length ? verdicts.shift() : 0;
      this.sent = [];
      sockets.push(this);
      setTimeout(() => {
        if (this.verdict === "close") return this.serverClose(1006);
        this.readyState = 1;
        this.onopen?.({});
      }, 1);
    }
    send(text) {
      const frame = JSON.parse(text);
      this.sent.push(frame.cmd);
      const first = this.sent.length === 1;
      setTimeout(() => {
        if (this.readyState !== 1) return;
        if (first && this.verdict !== 0) {
          this.reply({ reqId: frame.reqId, ActionStatus: "FAIL", ErrorCode: this.verdict, ErrorInfo: "refused" });
          return this.serverClose(1000);
        }
        const extra = frame.cmd === "openim/sync_conversations" ? { Complete: 1, Conversations: [] } : {};
        this.reply({ reqId: frame.reqId, ActionStatus: "OK", ErrorCode: 0, ErrorInfo: "", ...extra });
      }, 1);
    }
    reply(obj) {
      this.onmessage?.({ data: JSON.stringify(obj) });
    }
    push(event, data) {
      this.onmessage?.({ data: JSON.stringify({ event, data }) });
    }
    serverClose(code) {
      if (this.readyState === 3) return;
      this.readyState = 3;
      this.onclose?.({ code });
    }
    close(code) {
      this.serverClose(code ?? 1000);
    }
  }
  return { FakeSocket, sockets };
}

function make(verdicts) {
  const server = fakeServer(verdicts);
  const chat = YuntongChat.create({
    SDKAppID: 1,
    serverURL: "ws://fake",
    WebSocket: server.FakeSocket,
    storage: false,
    backoffBaseMs: 20,
    backoffMaxMs: 80,
  });
  chat.setLogLevel(4);
  const seen = [];
  for (const name of Object.values(EVENT)) chat.on(name, (e) => seen.push(e));
  return { chat, seen, ...server };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** until `pred()` holds (polling; gives up after 5 s) */
async function until(pred) {
  for (let i = 0; i < 500 && !pred(); i++) await sleep(10);
  assert.ok(pred(), "timed out");
}
/** login, then wait for SDK_READY (the first catch-up follows login's answer) */
async function loginReady(t) {
  await t.chat.login({ userID: "alice", userSig: "sig" });
  await until(() => t.seen.some((e) => e.name === EVENT.SDK_READY));
}
const states = (seen) => seen.filter((e) => e.name === EVENT.NET_STATE_CHANGE).map((e) => e.data.state);

test("login: the first frame's OK is the login; the URL asks for refusals as frames", async () => {
  const t = make([0]);
  await loginReady(t);
  assert.equal(t.chat.isReady(), true);
  const url = new URL(t.sockets[0].url);
  assert.equal(url.searchParams.get("refusal"), "frame");
  assert.equal(url.searchParams.get("identifier"), "alice");
  assert.equal(url.searchParams.get("platform"), "Web");
  assert.equal(t.sockets[0].sent[0], "realtime/heartbeat");
  assert.ok(t.seen.some((e) => e.name === EVENT.SDK_READY));
  await t.chat.destroy();
});

test("login: a refusal rejects with its code and does not retry", async () => {
  for (const code of [70001, 70009, 70107, 60006]) {
    const t = make([code]);
    await assert.rejects(t.chat.login({ userID: "alice", userSig: "sig" }), (e) => e.code === code);
    await sleep(100);
    assert.equal(t.sockets.length, 1);
    assert.equal(t.chat.isReady(), false);
  }
});

test("login: a socket that closes before opening is retried, then the login rejects with 2800", async () => {
  const t = make(["close", "close", "close"]);
  await assert.rejects(t.chat.login({ userID: "alice", userSig: "sig" }), (e) => e.code === 2800);
  assert.equal(t.sockets.length, 3);
  const u = make(["close", 0]);
  await u.chat.login({ userID: "alice", userSig: "sig" });
  assert.equal(u.sockets.length, 2);
  await u.chat.destroy();
});

test("a lost socket reconnects with backoff through transient refusals, without login", async () => {
  const t = make([0, "close", 6208, 70500, 0]);
  await loginReady(t);
  t.sockets[0].serverClose(1006);
  for (let i = 0; i < 100 && !(t.sockets.length === 5 && t.chat.isReady()); i++) await sleep(20);
  await sleep(50);
  assert.equal(t.sockets.length, 5, "four reconnect attempts");
  assert.deepEqual(states(t.seen), ["connecting", "connected", "connecting", "connected"]);
  assert.equal(t.seen.filter((e) => e.name === EVENT.SDK_READY).length, 1, "SDK_READY once");
  assert.ok(!t.seen.some((e) => e.name === EVENT.KICKED_OUT || e.name === EVENT.SDK_NOT_READY));
  await t.chat.destroy();
});

test("reconnecting stops for refusals that cannot heal", async () => {
  for (const [code, kicked] of [
    [70001, TYPES.KICKED_OUT_USERSIG_EXPIRED],
    [70107, TYPES.KICKED_OUT_REST_API],
    [60016, null],
  ]) {
    const t = make([0, code]);
    await loginReady(t);
    t.sockets[0].serverClose(1006);
    await until(() => t.seen.some((e) => e.name === EVENT.SDK_NOT_READY));
    await sleep(200); // several backoff periods: no further attempt
    assert.equal(t.sockets.length, 2, `${code}: one attempt, then stop`);
    const k = t.seen.find((e) => e.name === EVENT.KICKED_OUT);
    if (kicked) assert.equal(k?.data.type, kicked);
    else assert.equal(t.seen.find((e) => e.name === EVENT.ERROR)?.data.code, code);
    assert.ok(t.seen.some((e) => e.name === EVENT.SDK_NOT_READY));
    assert.equal(states(t.seen).at(-1), TYPES.NET_STATE_DISCONNECTED);
  }
});

test("kicked events: the reason maps to Tencent's types and nothing reconnects", async () => {
  for (const [data, type] of [
    [{ code: 6208, platform: "Web" }, TYPES.KICKED_OUT_MULT_ACCOUNT],
    [{ code: 6208, platform: "Android" }, TYPES.KICKED_OUT_MULT_DEVICE],
    [{ code: 6014 }, TYPES.KICKED_OUT_REST_API],
    [{ code: 70107 }, TYPES.KICKED_OUT_REST_API],
  ]) {
    const t = make([0]);
    await loginReady(t);
    t.sockets[0].push("kicked", data);
    t.sockets[0].serverClose(1000);
    await until(() => t.seen.some((e) => e.name === EVENT.KICKED_OUT));
    await sleep(200);
    assert.equal(t.seen.find((e) => e.name === EVENT.KICKED_OUT)?.data.type, type);
    assert.equal(t.sockets.length, 1, "no reconnect after a kick");
    assert.equal(t.chat.isReady(), false);
  }
});

test("a frame answered 70001 mid-session ends it as userSigExpired; 6014 without a kick reconnects", async () => {
  const t = make([0, 0]);
  await loginReady(t);
  t.sockets[0].reply({ reqId: 999, ActionStatus: "FAIL", ErrorCode: 6014, ErrorInfo: "not logged in" });
  t.sockets[0].serverClose(1000);
  await until(() => t.sockets.length === 2 && states(t.seen).at(-1) === TYPES.NET_STATE_CONNECTED);
  assert.equal(t.chat.isReady(), true, "6014 alone (e.g. swept as silent) reconnects");
  t.sockets[1].reply({ reqId: 998, ActionStatus: "FAIL", ErrorCode: 70001, ErrorInfo: "expired" });
  t.sockets[1].serverClose(1000);
  await until(() => t.seen.some((e) => e.name === EVENT.KICKED_OUT));
  await sleep(200);
  assert.equal(t.seen.find((e) => e.name === EVENT.KICKED_OUT)?.data.type, TYPES.KICKED_OUT_USERSIG_EXPIRED);
  assert.equal(t.sockets.length, 2);
});

test("logout closes without reconnecting; requests then fail with 2024", async () => {
  const t = make([0]);
  await t.chat.login({ userID: "alice", userSig: "sig" });
  await t.chat.logout();
  await sleep(100);
  assert.equal(t.sockets.length, 1);
  await assert.rejects(t.chat.getMyProfile(), (e) => e.code === 2024);
});

test("backoff doubles from the base up to the cap, each delay scaled by a jitter of 0.5 to 1", async () => {
  const { Session, Logger } = await import("../dist/yuntong-chat.mjs");
  const log = new Logger();
  log.level = 4;
  let opens = 0;
  const transport = {
    connected: false,
    open: async () => {
      opens++;
      throw Object.assign(new Error("down"), { code: 2800, data: { refused: false } });
    },
    close() {},
    dropSocket() {},
  };
  const jitters = [0, 1, 0.5, 0, 1, 1, 1, 0];
  let j = 0;
  const session = new Session({
    transport,
    log,
    backoffBaseMs: 1000,
    backoffMaxMs: 60_000,
    random: () => jitters[j++ % jitters.length],
    hooks: { connected: async () => {}, lost() {}, netState() {}, ended() {} },
  });
  const delays = [];
  const realSetTimeout = globalThis.setTimeout;
  globalThis.setTimeout = (fn, ms) => {
    delays.push(ms);
    if (delays.length < 8) setImmediate(fn);
    return 0;
  };
  try {
    session.state = "ready";
    session.dropped({});
    for (let i = 0; i < 50 && delays.length < 8; i++) await new Promise((r) => setImmediate(r));
  } finally {
    globalThis.setTimeout = realSetTimeout;
  }
  // ceilings 1 s, 2, 4, 8, 16, 32, 60, 60 (capped) × jitter (0.5 + 0.5 × random)
  assert.deepEqual(delays, [500, 2000, 3000, 4000, 16000, 32000, 60000, 30000]);
  assert.equal(opens, 7);
  session.end();
});

test("a server that keeps closing before the socket opens is reported once (ERROR 2800) while retries go on", async () => {
  const t = make([0, ...Array(12).fill("close"), 0]);
  await loginReady(t);
  t.sockets[0].serverClose(1006);
  await until(() => t.sockets.length === 14 && t.chat.isReady() && states(t.seen).at(-1) === "connected");
  const errors = t.seen.filter((e) => e.name === EVENT.ERROR);
  assert.equal(errors.length, 1);
  assert.equal(errors[0].data.code, 2800);
  await t.chat.destroy();
});
