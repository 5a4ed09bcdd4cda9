// Test-only helpers: UserSigs (TLSSigAPIv2), REST calls as the app admin, SDK instances on the local stack.
// The stack comes from the environment (tests/e2e/test_sdk.py sets it):
//   YUNTONG_REST_URL (http://127.0.0.1:PORT/v4), YUNTONG_WS_URL, YUNTONG_SDKAPPID, YUNTONG_SECRET_KEY, YUNTONG_ADMIN
import { createHmac, randomBytes } from "node:crypto";
import { deflateSync } from "node:zlib";
import WebSocket from "ws";
import YuntongChat from "../dist/yuntong-chat.mjs";

export const env = {
  rest: process.env.YUNTONG_REST_URL ?? "",
  ws: process.env.YUNTONG_WS_URL ?? "",
  sdkappid: Number(process.env.YUNTONG_SDKAPPID ?? 0),
  key: process.env.YUNTONG_SECRET_KEY ?? "",
  admin: process.env.YUNTONG_ADMIN ?? "administrator",
};
export const hasStack = Boolean(env.rest && env.ws && env.key && env.sdkappid);

/** TLSSigAPIv2's gen_sig: HMAC-SHA256 over the ticket fields, JSON, zlib, base64 with Tencent's URL alphabet. */
export function genUserSig(identifier, { sdkappid = env.sdkappid, key = env.key, expire = 86400 * 180, now } = {}) {
  const time = now ?? Math.floor(Date.now() / 1000);
  const content = `TLS.identifier:${identifier}\nTLS.sdkappid:${sdkappid}\nTLS.time:${time}\nTLS.expire:${expire}\n`;
  const sig = createHmac("sha256", key).update(content).digest("base64");
  const doc = {
    "TLS.ver": "2.0",
    "TLS.identifier": identifier,
    "TLS.sdkappid": sdkappid,
    "TLS.expire": expire,
    "TLS.time": time,
    "TLS.sig": sig,
  };
  const packed = deflateSync(Buffer.from(JSON.stringify(doc)));
  return packed.toString("base64").replace(/\+/g, "*").replace(/\//g, "-").replace(/=/g, "_");
}

/** A REST call as the admin (or `identifier`); resolves the JSON envelope. */
export async function rest(cmd, body = {}, identifier = env.admin) {
  const q = new URLSearchParams({
    sdkappid: String(env.sdkappid),
    identifier,
    usersig: genUserSig(identifier),
    random: String(Math.floor(Math.random() * 1e9)),
    contenttype: "json",
  });
  const res = await fetch(`${env.rest}/${cmd}?${q}`, { method: "POST", body: JSON.stringify(body) });
  return res.json();
}

export async function restOK(cmd, body = {}, identifier) {
  const r = await rest(cmd, body, identifier);
  if (r.ErrorCode !== 0) throw new Error(`${cmd} → ${r.ErrorCode} ${r.ErrorInfo}`);
  return r;
}

/** Fresh account names (the stack is shared by every test of the run). */
export function names(...bases) {
  const tag = randomBytes(4).toString("hex");
  return bases.map((b) => `${b}_${tag}`);
}

export async function importAccounts(...ids) {
  for (const id of ids) await restOK("im_open_login_svc/account_import", { UserID: id, Nick: `Nick of ${id}` });
}

/** A new SDK instance (quiet, fast backoff) that records every event it emits. */
export function newChat(extra = {}) {
  const chat = YuntongChat.create({
    SDKAppID: env.sdkappid,
    serverURL: env.ws,
    WebSocket,
    backoffBaseMs: 200,
    backoffMaxMs: 2000,
    ...extra,
  });
  chat.setLogLevel(Number(process.env.YUNTONG_SDK_LOG ?? 4));
  const seen = [];
  for (const name of Object.values(YuntongChat.EVENT)) chat.on(name, (e) => seen.push(e));
  chat.seen = seen;
  chat.received = () => seen.filter((e) => e.name === YuntongChat.EVENT.MESSAGE_RECEIVED).flatMap((e) => e.data);
  return chat;
}

export async function loggedIn(userID, extra) {
  const chat = newChat(extra);
  const ready = once(chat, YuntongChat.EVENT.SDK_READY);
  await chat.login({ userID, userSig: genUserSig(userID) });
  await ready;
  return chat;
}

/** Resolves the next event `name` emitted by `chat` (rejects after `ms`). */
export function once(chat, name, ms = 10_000) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      chat.off(name, h);
      reject(new Error(`no ${name} within ${ms} ms`));
    }, ms);
    const h = (e) => {
      clearTimeout(t);
      chat.off(name, h);
      resolve(e);
    };
    chat.on(name, h);
  });
}

/** Poll `fn` until it returns a truthy value (rejects after `ms`). */
export async function until(fn, ms = 10_000, what = "condition") {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export { YuntongChat, WebSocket };
