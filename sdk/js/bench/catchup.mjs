// Catch-up benchmark, against a running stack (`make run`): an SDK instance's socket is cut, it is sent N messages
// (default 1000), then it reconnects; prints the time from the reconnect to the last message emitted, and checks
// each was emitted exactly once and in order.
//   YUNTONG_SECRET_KEY=<key printed by make run> node sdk/js/bench/catchup.mjs [N]
// Optional: YUNTONG_REST_URL (http://127.0.0.1:8000/v4), YUNTONG_WS_URL (ws://127.0.0.1:8001),
// YUNTONG_SDKAPPID (1400000001), YUNTONG_ADMIN (administrator).
process.env.YUNTONG_REST_URL ??= "http://127.0.0.1:8000/v4";
process.env.YUNTONG_WS_URL ??= "ws://127.0.0.1:8001";
process.env.YUNTONG_SDKAPPID ??= "1400000001";
if (!process.env.YUNTONG_SECRET_KEY) {
  console.error("set YUNTONG_SECRET_KEY to the key `make run` printed (or started it with)");
  process.exit(2);
}
const { YuntongChat, WebSocket, importAccounts, loggedIn, names } = await import("../test/helpers.mjs");
const { EVENT, TYPES } = YuntongChat;

const count = Number(process.argv[2] ?? 1000);
const [a, b] = names("bench_sender", "bench_reader");
await importAccounts(a, b);
const A = await loggedIn(a);
const frames = [];
class Counting extends WebSocket {
  send(data) {
    frames.push(JSON.parse(data).cmd);
    super.send(data);
  }
}
const B = await loggedIn(b, { WebSocket: Counting });

let got = 0;
let done;
const finished = new Promise((r) => (done = r));
const texts = [];
B.on(EVENT.MESSAGE_RECEIVED, ({ data }) => {
  for (const m of data) texts.push(m.payload.text);
  got += data.length;
  if (got >= count) done(performance.now());
});

B._dropConnection({ hold: true });
const sendStart = performance.now();
const sent = [];
const parallel = 16;
for (let i = 0; i < count; i += parallel) {
  const chunk = [];
  for (let j = i; j < Math.min(count, i + parallel); j++) {
    chunk.push(A.sendMessage(A.createTextMessage({ to: b, conversationType: TYPES.CONV_C2C, payload: { text: `b${j}` } })));
  }
  for (const r of await Promise.all(chunk)) sent.push(r.data.message);
}
const sendMs = performance.now() - sendStart;

const reconnectAt = performance.now();
const before = frames.length;
B._resumeConnection();
const endAt = await Promise.race([finished, new Promise((r) => setTimeout(() => r(null), 600_000))]);
if (endAt === null) {
  console.error(`catch-up incomplete: ${got}/${count} after 10 minutes`);
  process.exit(1);
}
await new Promise((r) => setTimeout(r, 500)); // duplicates would arrive by now
// the log's order: each send learned its position (Seq); a retried send learns it from A's own sync
const order = sent.filter((m) => m.sequence).sort((x, y) => x.sequence - y.sequence).map((m) => m.payload.text);
const exact = texts.length === count && new Set(texts).size === count;
const inOrder = order.length < count || order.every((t, i) => t === texts[i]);
const ms = endAt - reconnectAt;
console.log(`sent ${count} messages to an offline SDK instance in ${(sendMs / 1000).toFixed(1)} s`);
console.log(`catch-up after reconnect: ${ms.toFixed(0)} ms (${((count / ms) * 1000).toFixed(0)} messages/s)`);
const used = frames.slice(before);
const pages = used.filter((c) => c === "openim/sync").length;
console.log(`emitted exactly once: ${exact}; in log order: ${inOrder}; unread: ${B.getTotalUnreadMessageCount()}`);
console.log(`frames sent by the reader after the reconnect: ${used.length} (${pages} openim/sync pages)`);
await A.destroy();
await B.destroy();
process.exit(exact && inOrder ? 0 : 1);
