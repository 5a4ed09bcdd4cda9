// The bundle in a real browser (headless Chromium, when installed): login over the browser's own WebSocket, a refusal
// read from the first frame (a browser cannot read a refused upgrade), text sent unescaped, the cache in IndexedDB.
// Skipped without a stack or without chromium.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { WebSocket, env, genUserSig, hasStack, importAccounts, names } from "./helpers.mjs";

const chromium = ["chromium", "chromium-browser", "google-chrome"].find(
  (bin) => spawnSync(bin, ["--version"], { stdio: "ignore" }).status === 0,
);

const PAGE = `<!doctype html><html><body><pre id="out">running</pre><script type="module">
import YuntongChat from "./yuntong-chat.mjs";
const q = new URLSearchParams(location.search);
const log = [];
try {
  const chat = YuntongChat.create({ SDKAppID: Number(q.get("app")), serverURL: q.get("ws") });
  chat.setLogLevel(4);
  const ready = new Promise((r) => chat.on(YuntongChat.EVENT.SDK_READY, r));
  log.push("login " + (await chat.login({ userID: q.get("u"), userSig: q.get("s") })).code);
  await ready;
  const m = chat.createTextMessage({ to: q.get("p"), conversationType: "C2C", payload: { text: q.get("t") } });
  const sent = await chat.sendMessage(m);
  log.push("sent " + sent.data.message.status);
  const bad = YuntongChat.create({ SDKAppID: Number(q.get("app")), serverURL: q.get("ws") });
  bad.setLogLevel(4);
  try { await bad.login({ userID: q.get("u"), userSig: "garbage" }); log.push("refused no"); }
  catch (e) { log.push("refused " + e.code); }
  await chat.logout();
  const db = await new Promise((res, rej) => { const o = indexedDB.open("yuntong-chat"); o.onsuccess = () => res(o.result); o.onerror = rej; });
  const keys = await new Promise((res) => { const t = db.transaction("state").objectStore("state").getAllKeys(); t.onsuccess = () => res(t.result); });
  log.push("cached " + keys.join(","));
} catch (e) { log.push("error " + (e.code ?? "") + " " + e.message); }
document.getElementById("out").textContent = "DONE\\n" + log.join("\\n");
</script></body></html>`;

async function pageText(browser, url, profile) {
  const proc = spawn(browser, ["--headless", "--no-sandbox", "--disable-gpu", `--user-data-dir=${profile}`, "--remote-debugging-port=0", url], {
    stdio: "ignore",
  });
  try {
    let port;
    for (let i = 0; i < 100 && !port; i++) {
      await new Promise((r) => setTimeout(r, 100));
      try {
        port = readFileSync(join(profile, "DevToolsActivePort"), "utf8").split("\n")[0];
      } catch {
        /* not yet */
      }
    }
    assert.ok(port, "chromium did not start");
    let target;
    for (let i = 0; i < 50 && !target; i++) {
      const list = await (await fetch(`http://127.0.0.1:${port}/json`)).json();
      target = list.find((t) => t.type === "page" && t.url.startsWith("http"));
      if (!target) await new Promise((r) => setTimeout(r, 100));
    }
    const cdp = new WebSocket(target.webSocketDebuggerUrl);
    await new Promise((r) => cdp.on("open", r));
    let id = 0;
    const evaluate = (expression) =>
      new Promise((resolve) => {
        const mine = ++id;
        const onMessage = (d) => {
          const m = JSON.parse(d);
          if (m.id === mine) {
            cdp.off("message", onMessage);
            resolve(m.result?.result?.value);
          }
        };
        cdp.on("message", onMessage);
        cdp.send(JSON.stringify({ id: mine, method: "Runtime.evaluate", params: { expression } }));
      });
    let text = "";
    for (let i = 0; i < 100 && !text.startsWith("DONE"); i++) {
      text = String((await evaluate("document.getElementById('out')?.textContent ?? ''")) ?? "");
      if (!text.startsWith("DONE")) await new Promise((r) => setTimeout(r, 200));
    }
    cdp.close();
    return text;
  } finally {
    const exited = new Promise((r) => proc.once("exit", r));
    proc.kill();
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  }
}

test("the bundle works in a browser", { skip: (!hasStack && "no stack") || (!chromium && "no chromium") }, async () => {
  const [u, p] = names("web", "webpeer");
  await importAccounts(u, p);
  const bundle = readFileSync(new URL("../dist/yuntong-chat.mjs", import.meta.url));
  const server = createServer((req, res) => {
    const path = req.url.split("?")[0];
    if (path === "/yuntong-chat.mjs") res.writeHead(200, { "content-type": "text/javascript" }).end(bundle);
    else if (path === "/") res.writeHead(200, { "content-type": "text/html" }).end(PAGE);
    else res.writeHead(404).end();
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const profile = mkdtempSync(join(tmpdir(), "yuntong-chromium-"));
  const quoted = `<b>"Tom & Jerry"</b>`;
  try {
    const q = new URLSearchParams({ app: String(env.sdkappid), ws: env.ws, u, p, s: genUserSig(u), t: quoted });
    const text = await pageText(chromium, `http://127.0.0.1:${server.address().port}/?${q}`, profile);
    assert.deepEqual(text.split("\n"), ["DONE", "login 0", "sent success", "refused 70003", `cached ${env.sdkappid}:${u}`]);
  } finally {
    server.close();
    rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  }
  const { restOK } = await import("./helpers.mjs");
  const history = await restOK("openim/admin_getroammsg", { Operator_Account: p, Peer_Account: u, MaxCnt: 5, MinTime: 0, MaxTime: 4294967295 });
  assert.equal(history.MsgList[0].MsgBody[0].MsgContent.Text, quoted, "text arrives as typed, never escaped");
});
