// The SDK against the real local stack (tests/e2e/test_sdk.py starts it and sets the environment; skipped without).
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import {
  YuntongChat,
  env,
  genUserSig,
  hasStack,
  importAccounts,
  loggedIn,
  names,
  newChat,
  once,
  rest,
  restOK,
  until,
  WebSocket,
} from "./helpers.mjs";

const { EVENT, TYPES } = YuntongChat;
const opened = [];
async function login(userID) {
  const chat = await loggedIn(userID);
  opened.push(chat);
  return chat;
}
after(async () => {
  for (const c of opened) await c.destroy();
});

const text = (chat, to, t, type = TYPES.CONV_C2C) =>
  chat.createTextMessage({ to, conversationType: type, payload: { text: t } });

// the tests use their own accounts: they run side by side (the stack, not the client, is the bottleneck)
describe("the SDK on the local stack", { concurrency: 4, skip: !hasStack && "no stack (run through tests/e2e/test_sdk.py)" }, () => {
  test("two instances exchange text and custom messages, read, recall, edit and pin", async () => {
    const [a, b] = names("alice", "bob");
    await importAccounts(a, b);
    const A = await login(a);
    const B = await login(b);

    const quoted = `<b>"Tom & Jerry's"</b> 'single' &amp; 你好`;
    const sent = await A.sendMessage(text(A, b, quoted));
    assert.equal(sent.code, 0);
    assert.equal(sent.data.message.status, "success");
    const custom = A.createCustomMessage({
      to: b,
      conversationType: TYPES.CONV_C2C,
      payload: { data: '{"k":"<v>"}', description: "desc", extension: "ext" },
    });
    await A.sendMessage(custom);
    await until(() => B.received().length === 2, 10_000, "B receives both");
    const [t1, c1] = B.received();
    assert.equal(t1.type, TYPES.MSG_TEXT);
    assert.equal(t1.payload.text, quoted, "text is never escaped");
    assert.equal(t1.flow, "in");
    assert.equal(t1.from, a);
    assert.equal(t1.conversationID, `C2C${a}`);
    assert.equal(t1.nick, `Nick of ${a}`);
    assert.equal(t1.ID, sent.data.message.ID, "both ends name a message alike");
    assert.equal(c1.type, TYPES.MSG_CUSTOM);
    assert.deepEqual(c1.payload, { data: '{"k":"<v>"}', description: "desc", extension: "ext" });
    assert.equal(A.received().length, 0, "a sender is not echoed its own messages");

    // unread and conversations
    assert.equal(B.getTotalUnreadMessageCount(), 2);
    const { data: convs } = await B.getConversationList();
    const conv = convs.conversationList.find((c) => c.conversationID === `C2C${a}`);
    assert.equal(conv.unreadCount, 2);
    assert.equal(conv.type, TYPES.CONV_C2C);
    assert.equal(conv.lastMessage.type, TYPES.MSG_CUSTOM);
    assert.equal(conv.userProfile.nick, `Nick of ${a}`);
    const only = await B.getConversationList([`C2C${a}`, "C2Cnobody"]);
    assert.deepEqual(only.data.conversationList.map((c) => c.conversationID), [`C2C${a}`]);

    // read: the count is the server's, and the peer gets a receipt
    const readByPeer = once(A, EVENT.MESSAGE_READ_BY_PEER);
    await B.setMessageRead({ conversationID: `C2C${a}` });
    assert.equal(B.getTotalUnreadMessageCount(), 0);
    const receipt = await readByPeer;
    assert.ok(receipt.data.some((m) => m.ID === sent.data.message.ID && m.isPeerRead));
    const srv = await restOK("openim/get_c2c_unread_msg_num", { To_Account: b });
    assert.equal(srv.AllC2CUnreadMsgNum, 0);

    // edit, then recall
    const modified = once(B, EVENT.MESSAGE_MODIFIED);
    const mine = sent.data.message;
    mine.payload = { text: "edited & <ok>" };
    const mod = await A.modifyMessage(mine);
    assert.equal(mod.code, 0);
    const m = await modified;
    assert.equal(m.data[0].ID, mine.ID);
    assert.equal(m.data[0].payload.text, "edited & <ok>");
    assert.equal(m.data[0].isModified, true);
    assert.equal(t1.payload.text, "edited & <ok>", "the message the app holds is updated in place");

    const revoked = once(B, EVENT.MESSAGE_REVOKED);
    await A.revokeMessage(custom);
    const r = await revoked;
    assert.equal(r.data[0].ID, custom.ID);
    assert.equal(r.data[0].isRevoked, true);
    assert.equal(c1.isRevoked, true);
    await assert.rejects(A.revokeMessage(custom), (e) => e.code === 20023);

    // history from the server and from the cache agree, oldest first
    const list = await B.getMessageList({ conversationID: `C2C${a}` });
    assert.deepEqual(
      list.data.messageList.map((x) => [x.ID, x.isRevoked]),
      [
        [mine.ID, false],
        [custom.ID, true],
      ],
    );
    assert.equal(list.data.isCompleted, true);

    // pin: stored server-side, other terminals are told
    await B.pinConversation({ conversationID: `C2C${a}`, isPinned: true });
    const { data: after1 } = await B.getConversationList();
    assert.equal(after1.conversationList[0].conversationID, `C2C${a}`);
    assert.equal(after1.conversationList[0].isPinned, true);
    const state = await restOK("openim/sync_conversations", { From_Account: b });
    assert.equal(state.Conversations.find((c) => c.Peer_Account === a).TopFlag, 1);
  });

  test("a fresh instance finds the conversation, its unread count and its history", async () => {
    const [a, b] = names("alice", "bob");
    await importAccounts(a, b);
    for (let i = 0; i < 17; i++) {
      await restOK("openim/sendmsg", { From_Account: a, To_Account: b, MsgRandom: 1000 + i, MsgBody: [{ MsgType: "TIMTextElem", MsgContent: { Text: `old ${i}` } }] });
    }
    const B = await login(b);
    assert.equal(B.received().length, 0, "history before login is not news");
    assert.equal(B.getTotalUnreadMessageCount(), 17);
    const { data } = await B.getConversationList();
    assert.equal(data.conversationList[0].lastMessage.payload.text, "old 16");
    const page1 = await B.getMessageList({ conversationID: `C2C${a}`, count: 15 });
    assert.deepEqual(page1.data.messageList.map((m) => m.payload.text), Array.from({ length: 15 }, (_, i) => `old ${i + 2}`));
    assert.equal(page1.data.isCompleted, false);
    const page2 = await B.getMessageList({ conversationID: `C2C${a}`, nextReqMessageID: page1.data.nextReqMessageID });
    assert.deepEqual(page2.data.messageList.map((m) => m.payload.text), ["old 0", "old 1"]);
    assert.equal(page2.data.isCompleted, true);
  });

  test("a cut socket catches up 50 messages: each emitted once, in order, with the right unread count", async () => {
    const [a, b] = names("alice", "bob");
    await importAccounts(a, b);
    const A = await login(a);
    const B = await login(b);
    await A.sendMessage(text(A, b, "before"));
    await until(() => B.received().length === 1, 10_000, "first message");
    const states = [];
    B.on(EVENT.NET_STATE_CHANGE, (e) => states.push(e.data.state));
    B._dropConnection();
    // sent concurrently (the log orders them as they arrive): "in order" is the order of their log positions
    const sent = (await Promise.all(Array.from({ length: 50 }, (_, i) => A.sendMessage(text(A, b, `m${i}`))))).map(
      (r) => r.data.message,
    );
    await until(() => B.received().length >= 51, 30_000, "catch-up");
    // a send answered as a retry (lost or late answer under load) learns its log position from A's own sync
    await until(() => new Set(sent.map((m) => m.sequence).filter(Boolean)).size === 50, 10_000, "A's positions");
    const logOrder = [...sent].sort((x, y) => x.sequence - y.sequence).map((m) => m.payload.text);
    await new Promise((r) => setTimeout(r, 300)); // any duplicate would show up by now
    const got = B.received().map((m) => m.payload.text);
    assert.deepEqual(got, ["before", ...logOrder]);
    assert.equal(new Set(B.received().map((m) => m.ID)).size, 51);
    assert.ok(states.includes(TYPES.NET_STATE_CONNECTING) && states.at(-1) === TYPES.NET_STATE_CONNECTED, states.join());
    assert.equal(B.getTotalUnreadMessageCount(), 51);
    const srv = await restOK("openim/get_c2c_unread_msg_num", { To_Account: b });
    assert.equal(srv.AllC2CUnreadMsgNum, 51);
    const conv = (await B.getConversationProfile(`C2C${a}`)).data.conversation;
    assert.equal(conv.unreadCount, 51);
    assert.equal(conv.lastMessage.payload.text, logOrder.at(-1));
    // the cache is complete: the newest page comes without asking the server
    const page = await B.getMessageList({ conversationID: `C2C${a}` });
    assert.deepEqual(page.data.messageList.map((m) => m.payload.text), logOrder.slice(35));
  });

  test("messages sent while the reconnect's catch-up runs are merged with it: once each, in order", async () => {
    const [a, b] = names("alice", "bob");
    await importAccounts(a, b);
    const A = await login(a);
    const B = await login(b);
    B._dropConnection({ hold: true });
    const first = [];
    for (let i = 0; i < 10; i++) first.push((await A.sendMessage(text(A, b, `away ${i}`))).data.message);
    B._resumeConnection();
    const during = [];
    for (let i = 0; i < 10; i++) during.push((await A.sendMessage(text(A, b, `live ${i}`))).data.message);
    await until(() => B.received().length >= 20, 20_000, "all 20");
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(
      B.received().map((m) => m.payload.text),
      [...first, ...during].map((m) => m.payload.text),
    );
    assert.equal(B.getTotalUnreadMessageCount(), 20);
  });

  test("the cache survives the session: the next login emits only what came meanwhile and pages from the cache", async () => {
    const [a, b] = names("alice", "bob");
    await importAccounts(a, b);
    const saved = new Map();
    const storage = { getItem: (k) => saved.get(k) ?? null, setItem: (k, v) => void saved.set(k, v) };
    const A = await login(a);
    const first = await loggedIn(b, { storage });
    for (const t of ["one", "two"]) await A.sendMessage(text(A, b, t));
    await until(() => first.received().length === 2, 10_000, "first session receives");
    const firstPage = await first.getMessageList({ conversationID: `C2C${a}` });
    assert.equal(firstPage.data.isCompleted, true);
    await first.logout();
    assert.equal(saved.size, 1);
    for (const t of ["three", "four", "five"]) await A.sendMessage(text(A, b, t));

    const frames = [];
    class Spy extends WebSocket {
      send(data) {
        frames.push(JSON.parse(data).cmd);
        super.send(data);
      }
    }
    const second = await loggedIn(b, { storage, WebSocket: Spy });
    opened.push(second);
    await until(() => second.received().length === 3, 10_000, "second session catches up");
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(second.received().map((m) => m.payload.text), ["three", "four", "five"]);
    assert.equal(second.getTotalUnreadMessageCount(), 5);
    const page = await second.getMessageList({ conversationID: `C2C${a}` });
    assert.deepEqual(page.data.messageList.map((m) => m.payload.text), ["one", "two", "three", "four", "five"]);
    assert.equal(page.data.isCompleted, true);
    assert.ok(!frames.includes("openim/admin_getroammsg"), "history came from the cache");
  });

  test("sends issued while the socket is down are delivered once after the reconnect", async () => {
    const [a, b] = names("alice", "bob");
    await importAccounts(a, b);
    const A = await login(a);
    const B = await login(b);
    A._dropConnection();
    const sends = [0, 1, 2].map((i) => A.sendMessage(text(A, b, `offline ${i}`)));
    const results = await Promise.all(sends);
    assert.ok(results.every((r) => r.data.message.status === "success"));
    await until(() => B.received().length === 3, 10_000, "delivery");
    assert.deepEqual(B.received().map((m) => m.payload.text).sort(), ["offline 0", "offline 1", "offline 2"]);
  });

  test("friend request flow", async () => {
    const [a, b] = names("alice", "bob");
    await importAccounts(a, b);
    const A = await login(a);
    const B = await login(b);
    const appUpdated = once(A, EVENT.FRIEND_APPLICATION_LIST_UPDATED);
    const res = await B.addFriend({ to: a, source: "AddSource_Type_Web", wording: "hi, it's me" });
    assert.equal(res.data.code, 30539, "a request is pending");
    const upd = await appUpdated;
    assert.equal(upd.data.unreadCount, 1);
    const { data: apps } = await A.getFriendApplicationList();
    assert.deepEqual(
      apps.friendApplicationList.map((x) => [x.userID, x.type, x.wording]),
      [[b, TYPES.SNS_APPLICATION_SENT_TO_ME, "hi, it's me"]],
    );
    assert.equal(apps.friendApplicationList[0].nick, `Nick of ${b}`, "an application carries the applicant's nick");
    const friendsB = once(B, EVENT.FRIEND_LIST_UPDATED);
    await A.acceptFriendApplication({ userID: b, type: TYPES.SNS_APPLICATION_AGREE_AND_ADD });
    const fl = await friendsB;
    assert.deepEqual(fl.data.map((f) => f.userID), [a]);
    assert.deepEqual((await A.getFriendList()).data.map((f) => f.userID), [b]);
    await A.deleteFriend({ userIDList: [b] });
    assert.deepEqual((await A.getFriendList()).data, []);
    await A.addToBlacklist({ userIDList: [b] });
    assert.deepEqual((await A.getBlacklist()).data, [b]);
    await assert.rejects(B.sendMessage(text(B, a, "blocked?")), (e) => e.code === 20007);
    await A.removeFromBlacklist({ userIDList: [b] });
    assert.deepEqual((await A.getBlacklist()).data, []);
    // refuse
    await B.addFriend({ to: a, source: "AddSource_Type_Web" });
    await until(async () => (await A.getFriendApplicationList()).data.friendApplicationList.length === 1, 5000, "request");
    await A.refuseFriendApplication({ userID: b });
    assert.equal((await A.getFriendApplicationList()).data.friendApplicationList.length, 0);
  });

  test("a group: create, message, recall, unread, catch-up after a cut, members, quit and dismiss", async () => {
    const [a, b, c] = names("alice", "bob", "carol");
    await importAccounts(a, b, c);
    const A = await login(a);
    const B = await login(b);
    const { data } = await A.createGroup({ name: "team", type: TYPES.GRP_WORK, memberList: [{ userID: b }] });
    const gid = data.group.groupID;
    assert.equal(data.group.name, "team");
    await until(async () => (await B.getGroupList()).data.groupList.some((g) => g.groupID === gid), 5000, "B sees the group");

    const hello = await A.sendMessage(text(A, gid, "hello team", TYPES.CONV_GROUP));
    assert.ok(hello.data.message.sequence > 0);
    await until(() => B.received().some((m) => m.payload.text === "hello team"), 10_000, "group message");
    const got = B.received().find((m) => m.payload.text === "hello team");
    assert.equal(got.conversationID, `GROUP${gid}`);
    assert.equal(got.ID, hello.data.message.ID);
    const bUnread = (await B.getConversationProfile(`GROUP${gid}`)).data.conversation.unreadCount;
    assert.ok(bUnread >= 1);
    const aUnread = (await A.getConversationProfile(`GROUP${gid}`)).data.conversation.unreadCount;
    assert.equal(aUnread, 0, "own messages are not unread");

    const modified = once(B, EVENT.MESSAGE_MODIFIED);
    hello.data.message.payload = { text: "hello team (edited)" };
    await A.modifyMessage(hello.data.message);
    const mod = await modified;
    assert.equal(mod.data[0].ID, hello.data.message.ID);
    assert.equal(got.payload.text, "hello team (edited)");

    const revoked = once(B, EVENT.MESSAGE_REVOKED);
    await A.revokeMessage(hello.data.message);
    assert.equal((await revoked).data[0].ID, hello.data.message.ID);

    // B's socket is cut while A sends 20
    const before = B.received().length;
    B._dropConnection();
    const gsent = await Promise.all(Array.from({ length: 21 }, (_, i) => A.sendMessage(text(A, gid, `g${i}`, TYPES.CONV_GROUP))));
    assert.equal(new Set(gsent.map((r) => r.data.message.sequence)).size, 21, "a group send (or its retry) answers its MsgSeq");
    const gOrder = gsent.map((r) => r.data.message).sort((x, y) => x.sequence - y.sequence).map((m) => m.payload.text);
    await until(() => B.received().filter((m) => m.payload.text?.startsWith("g")).length >= 21, 30_000, "group catch-up");
    await new Promise((r) => setTimeout(r, 300));
    const texts = B.received().slice(before).filter((m) => m.type === TYPES.MSG_TEXT).map((m) => m.payload.text);
    assert.deepEqual(texts, gOrder);
    const seqs = B.received().filter((m) => m.conversationID === `GROUP${gid}`).map((m) => m.sequence);
    assert.deepEqual(seqs, [...seqs].sort((x, y) => x - y), "in order");
    assert.equal(new Set(seqs).size, seqs.length, "once each");
    const joined = await restOK("group_open_http_svc/get_joined_group_list", {
      Member_Account: b,
      ResponseFilter: { SelfInfoFilter: ["UnreadMsgNum"] },
    });
    const serverUnread = joined.GroupIdList.find((g) => g.GroupId === gid).SelfInfo.UnreadMsgNum;
    assert.equal((await B.getConversationProfile(`GROUP${gid}`)).data.conversation.unreadCount, serverUnread);
    await B.setMessageRead({ conversationID: `GROUP${gid}` });
    assert.equal((await B.getConversationProfile(`GROUP${gid}`)).data.conversation.unreadCount, 0);

    // group history pages from the server
    const hist = await B.getMessageList({ conversationID: `GROUP${gid}` });
    assert.equal(hist.data.messageList.at(-1).payload.text, gOrder.at(-1));

    // members
    await A.addGroupMember({ groupID: gid, userIDList: [c] });
    const members = await A.getGroupMemberList({ groupID: gid, count: 50 });
    assert.deepEqual(members.data.memberList.map((m) => m.userID).sort(), [a, b, c].sort());
    for (const m of members.data.memberList) assert.equal(m.nick, `Nick of ${m.userID}`, "members carry their nick");
    await A.deleteGroupMember({ groupID: gid, userIDList: [c] });
    const profile = await B.getGroupProfile({ groupID: gid });
    assert.equal(profile.data.group.memberNum, 2);
    await B.quitGroup(gid);
    assert.ok(!(await B.getGroupList()).data.groupList.some((g) => g.groupID === gid));
    await A.dismissGroup(gid);
    await assert.rejects(A.getGroupProfile({ groupID: gid }), (e) => e.code === 10010);
  });

  test("muting a member answers when the mute ends, as the member list then shows it", async () => {
    const [a, c] = names("alice", "carol");
    await importAccounts(a, c);
    const A = await login(a);
    const { data } = await A.createGroup({ name: "square", type: TYPES.GRP_PUBLIC, memberList: [{ userID: c }] });
    const gid = data.group.groupID;
    const muteStart = Math.floor(Date.now() / 1000);
    const muted = await A.setGroupMemberMuteTime({ groupID: gid, userID: c, muteTime: 600 });
    assert.ok(muted.data.member.muteUntil >= muteStart + 600, "muteUntil is when the mute ends, in seconds");
    const after = await A.getGroupMemberList({ groupID: gid, count: 50 });
    const mc = after.data.memberList.find((m) => m.userID === c);
    assert.ok(Math.abs(mc.muteUntil - muted.data.member.muteUntil) <= 2, "the server's muteUntil agrees");
    assert.equal(mc.nick, `Nick of ${c}`);
    await A.setGroupMemberMuteTime({ groupID: gid, userID: c, muteTime: 0 });
    const cleared = (await A.getGroupMemberList({ groupID: gid, count: 50 })).data.memberList.find((m) => m.userID === c);
    assert.ok(cleared.muteUntil <= Math.floor(Date.now() / 1000), "a mute time of 0 lifts the mute");
    await A.dismissGroup(gid);
  });

  test("callServer sends any registry command as the account; the admin may call admin commands", async () => {
    const [a] = names("alice");
    await importAccounts(a);
    const A = await login(a);
    const r = await A.callServer("profile/portrait_get", { To_Account: [a], TagList: ["Tag_Profile_IM_Nick"] });
    assert.equal(r.code, 0);
    assert.equal(r.data.UserProfileItem[0].ProfileItem[0].Value, `Nick of ${a}`);
    assert.equal(r.data.ActionStatus, undefined);
    await assert.rejects(A.callServer("im_open_login_svc/account_check", { CheckItem: [{ UserID: a }] }), (e) => e.code === 60010);
    await assert.rejects(A.callServer("no/such"), (e) => e.code === 60009);
    const admin = await login(env.admin);
    const chk = await admin.callServer("im_open_login_svc/account_check", { CheckItem: [{ UserID: a }] });
    assert.equal(chk.data.ResultItem[0].AccountStatus, "Imported");
  });

  test("profiles", async () => {
    const [a, b] = names("alice", "bob");
    await importAccounts(a, b);
    const A = await login(a);
    const updated = once(A, EVENT.PROFILE_UPDATED);
    await A.updateMyProfile({ nick: "Ann <3", gender: TYPES.GENDER_FEMALE });
    assert.equal((await updated).data[0].nick, "Ann <3");
    assert.equal((await A.getMyProfile()).data.gender, TYPES.GENDER_FEMALE);
    const { data } = await A.getUserProfile({ userIDList: [b] });
    assert.equal(data[0].nick, `Nick of ${b}`);
  });

  test("a REST kick emits KICKED_OUT and the instance does not reconnect", async () => {
    const [a] = names("alice");
    await importAccounts(a);
    const A = await login(a);
    const kicked = once(A, EVENT.KICKED_OUT);
    const notReady = once(A, EVENT.SDK_NOT_READY);
    await restOK("im_open_login_svc/kick", { UserID: a });
    const k = await kicked;
    assert.equal(k.data.type, TYPES.KICKED_OUT_REST_API);
    await notReady;
    assert.equal(A.isReady(), false);
    await new Promise((r) => setTimeout(r, 1000)); // several backoff periods (200 ms base in the tests)
    const status = await restOK("openim/query_online_status", { To_Account: [a] });
    assert.deepEqual(status.QueryResult.map((q) => q.Status), ["Offline"]);
    assert.ok(!A.seen.slice(A.seen.indexOf(k)).some((e) => e.name === EVENT.NET_STATE_CHANGE && e.data.state === "connected"));
  });

  test("a second login elsewhere kicks the first (multipleAccount), which stays out", async () => {
    const [a] = names("alice");
    await importAccounts(a);
    const first = await login(a);
    const kicked = once(first, EVENT.KICKED_OUT);
    const second = await login(a);
    assert.equal((await kicked).data.type, TYPES.KICKED_OUT_MULT_ACCOUNT);
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(second.isReady(), true);
    assert.equal(first.isReady(), false);
    assert.ok(!second.seen.some((e) => e.name === EVENT.KICKED_OUT), "the first did not come back and kick the second");
  });

  test("a UserSig that expires during the session ends it with KICKED_OUT userSigExpired", async () => {
    const [a] = names("alice");
    await importAccounts(a);
    const now = Math.floor(Date.now() / 1000);
    const chat = newChat();
    opened.push(chat);
    const ready = once(chat, EVENT.SDK_READY);
    await chat.login({ userID: a, userSig: genUserSig(a, { now: now - 57, expire: 60 }) }); // valid for ~3 s
    await ready;
    const kicked = once(chat, EVENT.KICKED_OUT, 15_000);
    await until(async () => {
      try {
        await chat.getMyProfile();
        await new Promise((r) => setTimeout(r, 250));
        return false;
      } catch (e) {
        return e.code === 70001 || e.code === 2800;
      }
    }, 15_000, "the expired UserSig to be refused");
    assert.equal((await kicked).data.type, TYPES.KICKED_OUT_USERSIG_EXPIRED);
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(chat.isReady(), false);
    assert.ok(!chat.seen.slice(-3).some((e) => e.name === EVENT.NET_STATE_CHANGE && e.data.state === "connecting"));
  });

  test("online-only messages reach an online peer and never its history", async () => {
    const [a, b] = names("alice", "bob");
    await importAccounts(a, b);
    const A = await login(a);
    const B = await login(b);
    await A.sendMessage(text(A, b, "typing…"), { onlineUserOnly: true });
    await until(() => B.received().length === 1, 10_000, "online-only message");
    assert.equal(B.received()[0].payload.text, "typing…");
    assert.equal(B.getTotalUnreadMessageCount(), 0);
    const page = await B.getMessageList({ conversationID: `C2C${a}` });
    assert.deepEqual(page.data.messageList, []);
    // a stored message with Tencent's offlinePushInfo (sent on as OfflinePushInfo)
    const push = { title: "From A", description: "a preview", extension: '{"k":1}', ignoreIOSBadge: true };
    await A.sendMessage(text(A, b, "stored"), { offlinePushInfo: push });
    await until(() => B.received().length === 2, 10_000, "stored message");
    assert.equal(B.getTotalUnreadMessageCount(), 1);
  });

  test("a bad UserSig rejects login with its code", async () => {
    const [a] = names("alice");
    await importAccounts(a);
    const cases = [
      ["forged", genUserSig(a, { key: "not-the-key" }), 70009],
      ["expired", genUserSig(a, { now: Math.floor(Date.now() / 1000) - 3600, expire: 60 }), 70001],
      ["garbage", "not-a-sig", 70003],
    ];
    for (const [what, sig, code] of cases) {
      const chat = newChat();
      opened.push(chat);
      await assert.rejects(chat.login({ userID: a, userSig: sig }), (e) => {
        assert.equal(e.code, code, `${what}: ${e.message}`);
        return true;
      });
      assert.equal(chat.isReady(), false);
    }
    const [ghost] = names("ghost");
    const chat = newChat();
    opened.push(chat);
    await assert.rejects(chat.login({ userID: ghost, userSig: genUserSig(ghost) }), (e) => e.code === 70107);
  });
});
