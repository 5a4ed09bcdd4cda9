// The sync engine on a fake transport: deterministic drops, reorders, duplicates, and pushes racing a catch-up.
// No stack needed. The fake server keeps C2C logs (Seq/Cursor per event) and group message lists (MsgSeq), and
// answers the commands the engine uses exactly as docs/protocol.md describes them.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { EVENT, Emitter, Logger, Store, SyncEngine, compareCursor, fromC2CWire } from "../dist/yuntong-chat.mjs";

const ME = "me";

class FakeServer {
  constructor() {
    this.logs = new Map(); // peer -> [{event, data}]
    this.groups = new Map(); // gid -> [{MsgSeq, ...}]
    this.unread = new Map(); // peer -> n
    this.calls = [];
    this.hooks = new Map(); // cmd -> async fn run before answering (once)
    this.stall = 0; // answers of openim/sync with Complete 0 and an unmoved cursor
    this.pageSize = 100;
  }
  c2c(peer, text, { from = peer, name = "c2c_msg" } = {}) {
    const log = this.logs.get(peer) ?? [];
    const seq = log.length + 1;
    const data = {
      From_Account: from,
      To_Account: from === ME ? peer : ME,
      MsgSeq: 7000 + seq,
      MsgRandom: seq,
      MsgTimeStamp: 1000 + seq,
      MsgFlagBits: name === "msg_withdraw" ? 8 : 0,
      MsgKey: `${7000 + seq}_${seq}_${1000 + seq}`,
      MsgBody: [{ MsgType: "TIMTextElem", MsgContent: { Text: text } }],
      Seq: seq,
      Cursor: `${1000 + seq}.${seq}`,
    };
    log.push({ event: name, data });
    this.logs.set(peer, log);
    if (from !== ME && name === "c2c_msg") this.unread.set(peer, (this.unread.get(peer) ?? 0) + 1);
    return { event: name, data };
  }
  /** a recall/edit of message `ofSeq` as a new log event */
  change(peer, ofSeq, name, text = "") {
    const log = this.logs.get(peer);
    const orig = log[ofSeq - 1].data;
    const seq = log.length + 1;
    const data = {
      ...orig,
      MsgFlagBits: name === "msg_withdraw" ? 8 : 0,
      MsgBody: name === "msg_withdraw" ? [] : [{ MsgType: "TIMTextElem", MsgContent: { Text: text } }],
      Seq: seq,
      Cursor: `${1000 + seq}.${seq}`,
    };
    log.push({ event: name, data });
    return { event: name, data };
  }
  group(gid, text, { from = "g-peer", tip } = {}) {
    const list = this.groups.get(gid) ?? [];
    const seq = list.length + 1;
    const msg = {
      GroupId: gid,
      From_Account: from,
      MsgSeq: seq,
      MsgRandom: 500 + seq,
      MsgTimeStamp: 2000 + seq,
      MsgPriority: "Normal",
      IsSystemMsg: tip ? 1 : 0,
      IsPlaceMsg: 0,
      MsgBody: tip
        ? [{ MsgType: "TIMGroupTipElem", MsgContent: tip }]
        : [{ MsgType: "TIMTextElem", MsgContent: { Text: text } }],
    };
    list.push(msg);
    this.groups.set(gid, list);
    return { event: tip ? "GroupTip" : "GroupMessage", data: msg };
  }
  async request(cmd, body) {
    this.calls.push([cmd, body]);
    const hook = this.hooks.get(cmd);
    if (hook) {
      this.hooks.delete(cmd);
      await hook(body);
    }
    await new Promise((r) => setImmediate(r));
    const ok = (x) => ({ ActionStatus: "OK", ErrorCode: 0, ErrorInfo: "", ...x });
    if (cmd === "openim/sync_conversations") {
      return ok({
        Complete: 1,
        Conversations: [...this.logs.entries()].map(([peer, log]) => ({
          Peer_Account: peer,
          Seq: log.length,
          Cursor: log.length ? log.at(-1).data.Cursor : "",
          UnreadMsgNum: this.unread.get(peer) ?? 0,
          MsgReadTime: 0,
          PeerReadTime: 0,
          TopFlag: 0,
          Deleted: 0,
        })),
      });
    }
    if (cmd === "openim/sync") {
      if (this.refuse?.has(body.Peer_Account)) throw Object.assign(new Error("refused"), { code: 90012 });
      const log = this.logs.get(body.Peer_Account) ?? [];
      const after = log.filter((e) => compareCursor(e.data.Cursor, body.Cursor) > 0);
      if (this.stall > 0 && after.length) {
        this.stall--;
        return ok({ Events: [], Seq: 0, Cursor: body.Cursor, Complete: 0 });
      }
      const page = after.slice(0, Math.min(body.MaxCnt ?? 50, this.pageSize));
      const last = page.at(-1)?.data;
      return ok({
        Events: page,
        Seq: last ? last.Seq : 0,
        Cursor: last ? last.Cursor : body.Cursor,
        Complete: page.length === after.length ? 1 : 0,
      });
    }
    if (cmd === "group_open_http_svc/get_joined_group_list") {
      return ok({
        GroupIdList: [...this.groups.entries()].map(([gid, list]) => ({
          GroupId: gid,
          Type: "Public",
          Name: gid,
          NextMsgSeq: list.length + 1,
          SelfInfo: { Role: "Member", UnreadMsgNum: 0 },
        })),
      });
    }
    if (cmd === "group_open_http_svc/group_msg_get_simple") {
      const list = this.groups.get(body.GroupId) ?? [];
      const top = body.ReqMsgSeq ?? list.length;
      const n = Math.min(20, body.ReqMsgNumber ?? 20);
      const page = list.filter((m) => m.MsgSeq <= top && m.MsgSeq > top - n).reverse();
      return ok({ GroupId: body.GroupId, IsFinished: top - n <= 0 ? 1 : 0, RspMsgList: page });
    }
    throw Object.assign(new Error(`unexpected ${cmd}`), { code: 60009 });
  }
}

function setup() {
  const server = new FakeServer();
  const log = new Logger();
  log.level = 4;
  const events = new Emitter(log);
  const store = new Store(events);
  const received = [];
  const revoked = [];
  const modified = [];
  events.on(EVENT.MESSAGE_RECEIVED, (e) => received.push(...e.data));
  events.on(EVENT.MESSAGE_REVOKED, (e) => revoked.push(...e.data));
  events.on(EVENT.MESSAGE_MODIFIED, (e) => modified.push(...e.data));
  const sync = new SyncEngine({ rpc: server, store, log, me: () => ME, retryDelayMs: 1, sleep: () => Promise.resolve() });
  return { server, store, sync, received, revoked, modified };
}

/** login: the baseline (history before it is not news), then events on. */
async function ready(t) {
  await t.sync.catchUp();
  t.store.emitting = true;
  t.store.flush();
}

const settle = async () => {
  for (let i = 0; i < 30; i++) await new Promise((r) => setImmediate(r));
};
const texts = (list) => list.map((m) => m.payload.text);

describe("C2C sync", () => {
  test("history before the first catch-up is the baseline, not news", async () => {
    const t = setup();
    t.server.c2c("alice", "old 1");
    t.server.c2c("alice", "old 2");
    await ready(t);
    await settle();
    assert.deepEqual(t.received, []);
    assert.deepEqual(t.sync.c2c.get("alice"), { seq: 2, cursor: "1002.2" });
    assert.equal(t.store.conv("C2Calice").conv.unreadCount, 2);
  });

  test("pushes that arrive before the first catch-up are held, then applied past its baseline", async () => {
    const t = setup();
    for (let i = 0; i < 5; i++) t.server.c2c("alice", `old ${i}`);
    const early = t.server.c2c("alice", "new");
    t.sync.push(early.event, early.data); // before catchUp() even started
    t.server.logs.get("alice").pop(); // the baseline will not include it yet
    await t.sync.catchUp();
    t.server.logs.get("alice").push(early);
    t.store.emitting = true; // SDK_READY: what was applied meanwhile is emitted now
    t.store.flush();
    t.sync.push(early.event, early.data);
    await settle();
    assert.deepEqual(texts(t.received), ["new"]);
    assert.equal(t.server.calls.filter(([c]) => c === "openim/sync").length, 0, "no history fetched");
  });

  test("in-order pushes are applied once; duplicates are dropped", async () => {
    const t = setup();
    await ready(t);
    const e1 = t.server.c2c("alice", "a");
    const e2 = t.server.c2c("alice", "b");
    for (const e of [e1, e1, e2, e1, e2]) t.sync.push(e.event, e.data);
    await settle();
    assert.deepEqual(texts(t.received), ["a", "b"]);
    assert.equal(t.store.conv("C2Calice").conv.unreadCount, 2);
    assert.equal(t.server.calls.filter(([c]) => c === "openim/sync").length, 0, "no fetch without a gap");
  });

  test("a reordered push is a gap: the log fills it, each message once and in order", async () => {
    const t = setup();
    await ready(t);
    const [e1, e2, e3] = ["a", "b", "c"].map((x) => t.server.c2c("alice", x));
    for (const e of [e1, e3, e2]) t.sync.push(e.event, e.data);
    await settle();
    assert.deepEqual(texts(t.received), ["a", "b", "c"]);
    assert.equal(t.store.conv("C2Calice").conv.unreadCount, 3);
  });

  test("a dropped push is fetched when the next one shows the gap", async () => {
    const t = setup();
    await ready(t);
    const evs = ["a", "b", "c", "d"].map((x) => t.server.c2c("alice", x));
    t.sync.push(evs[0].event, evs[0].data);
    t.sync.push(evs[3].event, evs[3].data); // b and c were lost
    await settle();
    assert.deepEqual(texts(t.received), ["a", "b", "c", "d"]);
    const fetches = t.server.calls.filter(([c]) => c === "openim/sync");
    assert.equal(fetches.length, 1);
    assert.equal(fetches[0][1].Cursor, "1001.1", "asked from the kept cursor");
  });

  test("pushes racing a catch-up are held, then applied after the kept cursor only", async () => {
    const t = setup();
    t.server.c2c("alice", "seen");
    await ready(t);
    t.sync.disconnected();
    const missed = ["m1", "m2", "m3"].map((x) => t.server.c2c("alice", x));
    // while the catch-up's openim/sync is in flight, a new message is sent and pushed, and old pushes are replayed
    t.server.hooks.set("openim/sync", async () => {
      const live = t.server.c2c("alice", "live");
      t.sync.push(live.event, live.data);
      t.sync.push(missed[0].event, missed[0].data);
      t.sync.push(missed[2].event, missed[2].data);
    });
    await t.sync.catchUp();
    await settle();
    assert.deepEqual(texts(t.received), ["m1", "m2", "m3", "live"]);
    const late = t.server.c2c("alice", "after");
    t.sync.push(late.event, late.data);
    t.sync.push(late.event, late.data);
    await settle();
    assert.deepEqual(texts(t.received), ["m1", "m2", "m3", "live", "after"]);
    assert.equal(t.store.conv("C2Calice").conv.unreadCount, 6);
  });

  test("a conversation whose sync is refused is skipped; the others are caught up", async () => {
    const t = setup();
    t.server.c2c("gone", "x");
    t.server.c2c("alice", "y");
    await ready(t);
    t.sync.disconnected();
    t.server.c2c("gone", "x2");
    t.server.c2c("alice", "y2");
    t.server.refuse = new Set(["gone"]);
    await t.sync.catchUp();
    await settle();
    assert.deepEqual(texts(t.received), ["y2"]);
  });

  test("a conversation that began while away is synced from the start and counted by the client", async () => {
    const t = setup();
    await ready(t);
    t.sync.disconnected();
    t.server.c2c("bob", "hello");
    t.server.c2c("bob", "again");
    t.server.unread.set("bob", 1); // the server's count may lag its Seq while a send is being written
    await t.sync.catchUp();
    await settle();
    assert.deepEqual(texts(t.received), ["hello", "again"]);
    assert.equal(t.store.conv("C2Cbob").conv.unreadCount, 2);
  });

  test("the catch-up pages through long logs and retries a position still being written", async () => {
    const t = setup();
    t.server.c2c("alice", "x");
    await ready(t);
    t.sync.disconnected();
    for (let i = 0; i < 250; i++) t.server.c2c("alice", `n${i}`);
    t.server.pageSize = 40;
    t.server.stall = 2;
    await t.sync.catchUp();
    await settle();
    assert.deepEqual(texts(t.received), Array.from({ length: 250 }, (_, i) => `n${i}`));
  });

  test("own sends: the reply places the message; the log handing it back does not re-emit it", async () => {
    const t = setup();
    await ready(t);
    const mine = t.server.c2c("alice", "mine", { from: ME });
    const m = fromC2CWire(mine.data, ME);
    t.sync.ownIDs.add(m.ID);
    t.store.append(m);
    t.sync.ownC2CSent("alice", { Seq: 1, Cursor: mine.data.Cursor });
    assert.deepEqual(t.sync.c2c.get("alice"), { seq: 1, cursor: mine.data.Cursor });
    // a reply without Seq (a retry answered) makes the engine sync; its own message is applied silently
    const mine2 = t.server.c2c("alice", "mine2", { from: ME });
    const m2 = fromC2CWire(mine2.data, ME);
    t.sync.ownIDs.add(m2.ID);
    const theirs = t.server.c2c("alice", "theirs");
    t.sync.ownC2CSent("alice", {});
    await settle();
    t.sync.push(theirs.event, theirs.data);
    await settle();
    assert.deepEqual(texts(t.received), ["theirs"]);
    assert.equal(t.sync.c2c.get("alice").seq, 3);
    assert.equal(t.store.conv("C2Calice").conv.unreadCount, 1, "own messages are never unread");
  });

  test("an own send answered while that conversation is being fetched is placed after the fetch", async () => {
    const t = setup();
    await ready(t);
    const evs = ["a", "b", "c"].map((x) => t.server.c2c("alice", x));
    let mine;
    t.server.hooks.set("openim/sync", async () => {
      mine = t.server.c2c("alice", "mine", { from: ME });
      const m = fromC2CWire(mine.data, ME);
      t.sync.ownIDs.add(m.ID);
      t.store.append(m);
      t.sync.ownC2CSent("alice", { Seq: mine.data.Seq, Cursor: mine.data.Cursor });
    });
    t.sync.push(evs[2].event, evs[2].data); // a gap: fetch a..c (the hook sends ours meanwhile)
    await settle();
    assert.deepEqual(texts(t.received), ["a", "b", "c"]);
    assert.deepEqual(t.sync.c2c.get("alice"), { seq: 4, cursor: mine.data.Cursor });
    const next = t.server.c2c("alice", "next");
    t.sync.push(next.event, next.data);
    await settle();
    assert.deepEqual(texts(t.received), ["a", "b", "c", "next"]);
    assert.equal(t.server.calls.filter(([c]) => c === "openim/sync").length, 1, "no second fetch");
  });

  test("recall and edit events update the message once; an edit after a recall is ignored", async () => {
    const t = setup();
    await ready(t);
    const e1 = t.server.c2c("alice", "orig");
    t.sync.push(e1.event, e1.data);
    const edit = t.server.change("alice", 1, "msg_modify", "edited");
    const recall = t.server.change("alice", 1, "msg_withdraw");
    const late = t.server.change("alice", 1, "msg_modify", "too late");
    t.sync.push(edit.event, edit.data);
    await settle();
    assert.deepEqual(texts(t.received), ["edited"], "the message the app holds is updated in place");
    for (const e of [recall, recall, late]) t.sync.push(e.event, e.data);
    await settle();
    assert.equal(t.received.length, 1);
    assert.equal(t.modified.length, 1);
    assert.equal(t.revoked.length, 1);
    assert.equal(t.received[0].isRevoked, true);
    assert.equal(t.store.conv("C2Calice").conv.unreadCount, 0, "a recalled unread message is no longer unread");
  });

  test("a message the log holds twice (a retry the server did not recognise) is emitted once", async () => {
    const t = setup();
    await ready(t);
    const first = t.server.c2c("alice", "twice");
    const again = t.server.c2c("alice", "twice");
    again.data.MsgSeq = first.data.MsgSeq;
    again.data.MsgRandom = first.data.MsgRandom;
    const next = t.server.c2c("alice", "next");
    for (const e of [first, again, next]) t.sync.push(e.event, e.data);
    await settle();
    assert.deepEqual(texts(t.received), ["twice", "next"]);
    assert.equal(t.sync.c2c.get("alice").seq, 3);
  });

  test("random drops, duplicates and reorders across conversations: every message exactly once, in log order", async () => {
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let round = 0; round < 20; round++) {
      const t = setup();
      await ready(t);
      const peers = ["p1", "p2", "p3"];
      const all = [];
      for (let i = 0; i < 60; i++) all.push(t.server.c2c(peers[Math.floor(rand() * 3)], `r${i}`));
      const deliveries = [];
      for (const e of all) {
        const r = rand();
        if (r < 0.15) continue; // dropped
        deliveries.push(e);
        if (r > 0.85) deliveries.push(e); // duplicated
      }
      for (let i = 0; i < deliveries.length; i++) {
        // local reorders
        const j = Math.min(deliveries.length - 1, i + Math.floor(rand() * 3));
        [deliveries[i], deliveries[j]] = [deliveries[j], deliveries[i]];
      }
      for (const e of deliveries) {
        t.sync.push(e.event, e.data);
        if (rand() < 0.3) await settle();
      }
      // the last message of each conversation may have been dropped with nothing after it: a reconnect finds it
      t.sync.disconnected();
      await t.sync.catchUp();
      await settle();
      for (const p of peers) {
        const want = all.filter((e) => e.data.From_Account === p).map((e) => e.data.MsgBody[0].MsgContent.Text);
        const got = t.received.filter((m) => m.from === p).map((m) => m.payload.text);
        assert.deepEqual(got, want, `round ${round} peer ${p}`);
      }
      assert.equal(t.received.length, all.length);
    }
  });
});

describe("group sync", () => {
  test("a gap in MsgSeq is fetched in pages of 20 and applied oldest first; duplicates dropped", async () => {
    const t = setup();
    t.server.group("g1", "before");
    await ready(t);
    const evs = [];
    for (let i = 0; i < 45; i++) evs.push(t.server.group("g1", `g${i}`));
    t.sync.push(evs[44].event, evs[44].data); // everything before it was lost
    t.sync.push(evs[44].event, evs[44].data);
    await settle();
    t.sync.push(evs[3].event, evs[3].data);
    await settle();
    assert.deepEqual(texts(t.received), Array.from({ length: 45 }, (_, i) => `g${i}`));
    const pages = t.server.calls.filter(([c]) => c === "group_open_http_svc/group_msg_get_simple");
    assert.ok(pages.every(([, b]) => b.ReqMsgNumber <= 20));
  });

  test("reconnect catch-up by the joined list's NextMsgSeq, with pushes racing it", async () => {
    const t = setup();
    t.server.group("g1", "a");
    await ready(t);
    t.sync.disconnected();
    const missed = [t.server.group("g1", "b"), t.server.group("g1", "c")];
    t.server.hooks.set("group_open_http_svc/group_msg_get_simple", async () => {
      const live = t.server.group("g1", "d");
      t.sync.push(live.event, live.data);
      t.sync.push(missed[1].event, missed[1].data);
    });
    await t.sync.catchUp();
    await settle();
    assert.deepEqual(texts(t.received), ["b", "c", "d"]);
  });

  test("a recall tip marks the recalled message; a group first heard of by its push starts there", async () => {
    const t = setup();
    await ready(t);
    const m1 = t.server.group("g2", "hi");
    t.sync.push(m1.event, m1.data);
    const tip = t.server.group("g2", "", { tip: { OpType: "Recall", Operator_Account: "g-peer", MsgSeqList: [{ MsgSeq: 1 }] } });
    t.sync.push(tip.event, tip.data);
    await settle();
    assert.equal(t.received[0].isRevoked, true);
    assert.equal(t.revoked.length, 1);
    assert.equal(t.received[1].type, "TIMGroupTipElem");
  });
});
