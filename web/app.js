// Yuntong web app: chat (conversations, messages, friends, groups, profile) on the Yuntong SDK only, plus the
// Operator section for an app admin (web/operator.js). Content from users is always rendered as text.
import { $, clear, fmtTime, h, safeURL, toast } from './dom.js';
import { renderOperator } from './operator.js';

const TYPING = 'user_typing_status'; // TUIKit's businessID for the typing indicator (an online-only custom message)
const FACES = ['😀', '😂', '😍', '😎', '🤔', '😢', '😡', '👍', '👏', '🙏', '🎉', '❤️', '🔥', '☕', '🌙', '✅'];
const PLATFORM = 'Web';

const state = {
  config: null,
  Chat: null, // the SDK class (EVENT, TYPES)
  chat: null,
  me: null, // userID
  isAdmin: false,
  profile: null,
  view: 'chats',
  conversations: [],
  current: null, // conversationID
  history: new Map(), // conversationID -> {list, next, completed}
  typingUntil: 0,
  typingTimer: null,
  lastTypingSent: 0,
  editing: null, // message ID being edited
  group: null, // groupID shown in the group detail
  groups: [],
  nicks: new Map(), // userID -> nickname ('' when it has none), for titles the SDK leaves bare
  groupNames: new Map(), // groupID -> name
  asked: new Set(), // IDs already looked up, so a missing name is asked for once
};

// ---------- boot ----------

async function boot() {
  try {
    state.config = await (await fetch('./config.json', { cache: 'no-store' })).json();
  } catch {
    state.config = {};
  }
  $('login-app').textContent = state.config.SDKAppID ? String(state.config.SDKAppID) : '(no config.json)';
  if (state.config.stage === 'local') {
    $('login-hint').textContent = `Demo accounts: alice, bob, carol; the operator is ${state.config.admin}.`;
    for (const id of ['alice', 'bob', 'carol', state.config.admin]) $('demo-users').append(h('option', { value: id }));
  } else {
    $('login-create').closest('label').hidden = true;
  }
  try {
    const mod = await import('./sdk/yuntong-chat.mjs');
    state.Chat = mod.default || mod.YuntongChat;
  } catch (err) {
    showLoginError(`The SDK could not be loaded (${err.message}). Run \`make sdk\`.`);
  }
  wireStatic();
  const saved = sessionStorage.getItem('yuntong.user');
  if (saved) $('login-user').value = saved;
}

function showLoginError(text) {
  $('login-error').textContent = text;
}

function EVENT() {
  return state.Chat.EVENT;
}
function TYPES() {
  return state.Chat.TYPES;
}

/** Await an SDK call; failures become a toast and `null`. */
async function sdk(what, promise) {
  try {
    const res = await promise;
    return res && 'data' in res ? res.data : res;
  } catch (err) {
    toast(`${what} failed: ${describe(err)}`, 'error');
    return null;
  }
}

function describe(err) {
  if (!err) return 'unknown error';
  const code = err.code ?? err.ErrorCode;
  const text = err.message ?? err.ErrorInfo ?? String(err);
  return code ? `${text} (${code})` : text;
}

// ---------- login / logout ----------

async function userSigFor(user, create) {
  const typed = $('login-sig').value.trim();
  if (typed) return typed;
  const url = state.config.userSigURL;
  if (!url) throw new Error('paste a UserSig: this page has no UserSig service');
  const res = await fetch(url, {
    method: 'POST',
    credentials: 'include', // a deployed page's backend knows its user by its own session cookie
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ UserID: user, Import: create }),
  });
  const body = await res.json().catch(() => ({}));
  if (!res.ok || !body.UserSig) throw new Error(body.error || `UserSig service answered ${res.status}`);
  return body.UserSig;
}

async function login(event) {
  event.preventDefault();
  if (!state.Chat) return;
  const user = $('login-user').value.trim();
  showLoginError('');
  $('login-submit').disabled = true;
  try {
    const userSig = await userSigFor(user, $('login-create').checked);
    const chat = state.Chat.create({ SDKAppID: Number(state.config.SDKAppID), serverURL: state.config.serverURL });
    state.chat = chat;
    state.me = user;
    state.isAdmin = user === state.config.admin;
    listen(chat);
    await chat.login({ userID: user, userSig });
    sessionStorage.setItem('yuntong.user', user);
    enterApp();
  } catch (err) {
    showLoginError(`Log in failed: ${describe(err)}`);
    if (state.chat) {
      try {
        await state.chat.logout();
      } catch {
        /* never logged in */
      }
    }
    state.chat = null;
  } finally {
    $('login-submit').disabled = false;
  }
}

function enterApp() {
  $('login-view').hidden = true;
  $('tabs').hidden = false;
  $('logout').hidden = false;
  $('whoami').textContent = state.me;
  document.querySelector('[data-view="operator"]').hidden = !state.isAdmin;
  show(state.isAdmin ? 'operator' : 'chats');
}

async function logout() {
  const chat = state.chat;
  leaveApp();
  if (chat) {
    try {
      await chat.logout();
    } catch {
      /* the session may already be over */
    }
    if (typeof chat.destroy === 'function') chat.destroy();
  }
}

function leaveApp() {
  state.chat = null;
  state.profileDirty = false;
  state.conversations = [];
  state.history.clear();
  state.current = null;
  for (const view of document.querySelectorAll('.view')) view.hidden = true;
  $('login-view').hidden = false;
  $('tabs').hidden = true;
  $('logout').hidden = true;
  $('whoami').textContent = '';
  setNet('disconnected');
  $('login-user').focus();
}

function notice(text, withLogin) {
  $('notice-text').textContent = text;
  $('notice-action').hidden = !withLogin;
  $('notice').hidden = false;
}

// ---------- SDK events ----------

function listen(chat) {
  const E = EVENT();
  const T = TYPES();
  chat.on(E.SDK_READY, () => {
    setNet('connected');
    refreshConversations();
    refreshProfile();
  });
  chat.on(E.NET_STATE_CHANGE, ({ data }) => setNet(data.state));
  chat.on(E.KICKED_OUT, ({ data }) => {
    const why = {
      [T.KICKED_OUT_MULT_ACCOUNT]: 'this account logged in on another page',
      [T.KICKED_OUT_MULT_DEVICE]: 'this account logged in on another device',
      [T.KICKED_OUT_USERSIG_EXPIRED]: 'the UserSig expired',
      [T.KICKED_OUT_REST_API]: 'the app backend logged this account out',
    }[data?.type];
    leaveApp();
    notice(`You were logged out: ${why || data?.type || 'kicked offline'}.`, true);
  });
  chat.on(E.CONVERSATION_LIST_UPDATED, ({ data }) => {
    if (Array.isArray(data)) setConversations(data);
    else refreshConversations();
  });
  chat.on(E.TOTAL_UNREAD_MESSAGE_COUNT_UPDATED, ({ data }) => setTotalUnread(data));
  chat.on(E.MESSAGE_RECEIVED, ({ data }) => onMessages(data));
  chat.on(E.MESSAGE_REVOKED, ({ data }) => patchMessages(data, (m) => ({ ...m, isRevoked: true })));
  chat.on(E.MESSAGE_MODIFIED, ({ data }) => patchMessages(data, (m, fresh) => ({ ...m, ...fresh, isModified: true })));
  chat.on(E.MESSAGE_READ_BY_PEER, ({ data }) => onPeerRead(data));
  if (E.FRIEND_LIST_UPDATED) chat.on(E.FRIEND_LIST_UPDATED, () => state.view === 'contacts' && renderContacts());
  if (E.FRIEND_APPLICATION_LIST_UPDATED) chat.on(E.FRIEND_APPLICATION_LIST_UPDATED, () => renderRequests());
  if (E.BLACKLIST_UPDATED) chat.on(E.BLACKLIST_UPDATED, () => state.view === 'contacts' && renderContacts());
  if (E.GROUP_LIST_UPDATED) chat.on(E.GROUP_LIST_UPDATED, () => state.view === 'groups' && renderGroups());
  if (E.PROFILE_UPDATED) chat.on(E.PROFILE_UPDATED, () => refreshProfile());
}

function setNet(value) {
  const el = $('net');
  const s = value || 'disconnected';
  el.dataset.state = s;
  el.textContent = { connected: 'online', connecting: 'connecting…', disconnected: 'offline' }[s] || s;
}

function setTotalUnread(n) {
  const badge = $('total-unread');
  const count = Number(n) || 0;
  badge.hidden = count === 0;
  badge.textContent = count > 99 ? '99+' : String(count);
}

// ---------- views ----------

function show(view) {
  state.view = view;
  for (const section of document.querySelectorAll('.view')) section.hidden = section.id !== `${view}-view`;
  for (const tab of document.querySelectorAll('#tabs button')) {
    tab.setAttribute('aria-current', tab.dataset.view === view ? 'page' : 'false');
  }
  if (view === 'chats') {
    renderConversations();
    if (state.current) markRead(state.current); // messages that came while another section was shown
  }
  if (view === 'contacts') renderContacts();
  if (view === 'groups') renderGroups();
  if (view === 'profile') refreshProfile();
  if (view === 'operator') renderOperator($('operator-view'), { chat: state.chat, config: state.config, toast });
}

// ---------- conversations ----------

async function refreshConversations() {
  if (!state.chat) return;
  const data = await sdk('Loading conversations', state.chat.getConversationList());
  if (data) setConversations(data.conversationList || data);
}

function setConversations(list) {
  state.conversations = [...list].sort(
    (a, b) => Number(!!b.isPinned) - Number(!!a.isPinned) || lastTime(b) - lastTime(a),
  );
  setTotalUnread(state.conversations.reduce((n, c) => n + (Number(c.unreadCount) || 0), 0));
  if (state.view === 'chats') renderConversations();
  const current = conversation(state.current);
  if (current) renderConversationHead(current);
  lookUpNames(state.conversations);
}

/** Fill in nicknames and group names the conversation list does not carry (each looked up once). */
async function lookUpNames(conversations) {
  const T = TYPES();
  const users = [];
  let groups = false;
  for (const c of conversations) {
    const id = peerOf(c.conversationID);
    if (state.asked.has(c.conversationID)) continue;
    if (c.type === T.CONV_GROUP && !c.groupProfile?.name) groups = true;
    else if (c.type === T.CONV_C2C && !c.userProfile?.nick) users.push(id);
    else continue;
    state.asked.add(c.conversationID);
  }
  if (users.length) {
    const found = await sdk('Profiles', state.chat.getUserProfile({ userIDList: users }));
    for (const p of asList(found, 'profileList')) state.nicks.set(p.userID, p.nick || '');
  }
  if (groups) await loadGroupNames();
  if (users.length || groups) {
    if (state.view === 'chats') renderConversations();
    const current = conversation(state.current);
    if (current) renderConversationHead(current);
  }
}

async function loadGroupNames() {
  const data = await sdk('Groups', state.chat.getGroupList());
  for (const g of asList(data, 'groupList')) state.groupNames.set(g.groupID, g.name || '');
}

function peerOf(conversationID) {
  return conversationID.startsWith('GROUP') ? conversationID.slice(5) : conversationID.slice(3);
}

const lastTime = (c) => Number(c.lastMessage?.lastTime || c.lastMessage?.time || 0);

function conversation(id) {
  return state.conversations.find((c) => c.conversationID === id) || null;
}

function titleOf(c) {
  if (!c) return '';
  const id = peerOf(c.conversationID);
  if (c.type === TYPES().CONV_GROUP) return c.groupProfile?.name || state.groupNames.get(id) || id;
  return c.remark || c.userProfile?.nick || state.nicks.get(id) || id;
}

function renderConversations() {
  const list = clear($('conv-list'));
  $('conv-empty').hidden = state.conversations.length > 0;
  for (const c of state.conversations) {
    const unread = Number(c.unreadCount) || 0;
    const last = c.lastMessage || {};
    list.append(
      h(
        'li',
        {},
        h(
          'button',
          {
            type: 'button',
            class: `conv-item${c.conversationID === state.current ? ' active' : ''}`,
            dataset: { conversationId: c.conversationID },
            onclick: () => openConversation(c.conversationID),
          },
          avatarOf(c),
          h(
            'span',
            { class: 'conv-main' },
            h('span', { class: 'conv-line' }, h('span', { class: 'conv-name', text: titleOf(c) }), c.isPinned ? h('span', { class: 'pin', text: 'pinned' }) : null, h('span', { class: 'conv-time muted', text: fmtTime(lastTime(c)) })),
            h('span', { class: 'conv-line' }, h('span', { class: 'conv-last muted', text: summary(last) }), unread ? h('span', { class: 'badge unread', text: unread > 99 ? '99+' : String(unread) }) : null),
          ),
        ),
      ),
    );
  }
}

function avatarOf(c) {
  const url = safeURL(c.userProfile?.avatar || c.groupProfile?.avatar);
  const name = titleOf(c) || '?';
  if (url) return h('img', { class: 'avatar', src: url, alt: '', referrerpolicy: 'no-referrer' });
  return h('span', { class: 'avatar letter', 'aria-hidden': 'true', text: [...name][0].toUpperCase() });
}

function summary(last) {
  if (!last || (!last.type && !last.messageForShow)) return '';
  if (last.isRevoked) return 'A message was recalled';
  if (last.messageForShow) return last.messageForShow;
  return contentText(last);
}

function contentText(m) {
  const T = TYPES();
  const p = m.payload || {};
  switch (m.type) {
    case T.MSG_TEXT:
      return p.text ?? '';
    case T.MSG_FACE:
      return p.data && [...p.data].length <= 4 ? p.data : `[face ${p.index ?? ''}]`;
    case T.MSG_CUSTOM:
      return '[custom message]';
    case T.MSG_IMAGE:
      return '[image]';
    case T.MSG_FILE:
      return `[file] ${p.fileName || ''}`;
    default:
      return `[${m.type || 'message'}]`;
  }
}

async function openConversation(id) {
  if (!state.chat) return;
  state.current = id;
  state.editing = null;
  $('typing').textContent = '';
  document.querySelector('.chats').classList.add('has-conv');
  $('conv').hidden = false;
  renderConversationHead(conversation(id) || { conversationID: id, type: id.startsWith('GROUP') ? TYPES().CONV_GROUP : TYPES().CONV_C2C });
  renderConversations();
  if (!state.history.has(id)) {
    state.history.set(id, { list: [], next: undefined, completed: false });
    await loadOlder(id);
  } else {
    renderMessages(true);
  }
  markRead(id);
  $('composer-text').focus();
}

function renderConversationHead(c) {
  $('conv-name').textContent = titleOf(c);
  const group = c.type === TYPES().CONV_GROUP;
  $('conv-sub').textContent = group ? ` · group ${c.groupProfile?.groupID || c.conversationID.slice(5)}` : ` · ${c.conversationID.slice(3)}`;
  $('conv-pin').textContent = c.isPinned ? 'Unpin' : 'Pin';
}

function closeConversation() {
  state.current = null;
  state.editing = null;
  $('conv').hidden = true;
  $('faces').hidden = true;
  document.querySelector('.chats').classList.remove('has-conv');
  renderConversations();
  const first = document.querySelector('.conv-item');
  if (first) first.focus();
}

function markRead(id) {
  const c = conversation(id);
  if (c && !(Number(c.unreadCount) > 0)) return;
  state.chat.setMessageRead({ conversationID: id }).catch(() => {});
}

async function loadOlder(id) {
  const page = state.history.get(id);
  if (!page || page.completed || page.loading) return; // a click and a scroll to the top may ask at once
  const opts = { conversationID: id };
  if (page.next) opts.nextReqMessageID = page.next;
  page.loading = true;
  const data = await sdk('Loading messages', state.chat.getMessageList(opts)).finally(() => (page.loading = false));
  if (!data || state.current !== id) return;
  const known = new Set(page.list.map((m) => m.ID));
  const older = (data.messageList || []).filter((m) => !known.has(m.ID) && !isTyping(m));
  const first = !page.list.length;
  page.list = [...older, ...page.list];
  page.next = data.nextReqMessageID;
  page.completed = !!data.isCompleted || !data.nextReqMessageID;
  const box = $('messages');
  const before = box.scrollHeight;
  renderMessages(first);
  if (!first) box.scrollTop += box.scrollHeight - before; // keep the reader's place above the new page
}

function isTyping(m) {
  if (m.type !== TYPES().MSG_CUSTOM) return false;
  try {
    return JSON.parse(m.payload?.data || '{}').businessID === TYPING;
  } catch {
    return false;
  }
}

function onMessages(messages) {
  for (const m of messages || []) {
    if (isTyping(m)) {
      if (m.conversationID === state.current && m.flow !== 'out') showTyping(m);
      continue;
    }
    const page = state.history.get(m.conversationID);
    if (page && !page.list.some((x) => x.ID === m.ID)) page.list.push(m);
    if (m.conversationID === state.current) {
      $('typing').textContent = '';
      state.typingUntil = 0;
    }
  }
  if (state.current && (messages || []).some((m) => m.conversationID === state.current && !isTyping(m))) {
    renderMessages(true);
    if (document.visibilityState !== 'hidden' && state.view === 'chats') {
      state.chat.setMessageRead({ conversationID: state.current }).catch(() => {});
    }
  }
}

function showTyping(m) {
  $('typing').textContent = `${m.nick || m.from} is typing…`;
  state.typingUntil = Date.now() + 5000;
  clearTimeout(state.typingTimer);
  state.typingTimer = setTimeout(() => {
    if (Date.now() >= state.typingUntil) $('typing').textContent = '';
  }, 5100);
}

function patchMessages(messages, change) {
  for (const fresh of messages || []) {
    const page = state.history.get(fresh.conversationID);
    if (!page) continue;
    page.list = page.list.map((m) => (m.ID === fresh.ID ? change(m, fresh) : m));
  }
  if (state.current) renderMessages(false);
  refreshConversations();
}

function onPeerRead(messages) {
  for (const fresh of messages || []) {
    const page = state.history.get(fresh.conversationID);
    if (!page) continue;
    const upTo = Number(fresh.time || 0);
    for (const m of page.list) {
      if (m.flow === 'out' && (m.ID === fresh.ID || Number(m.time || 0) <= upTo)) m.isPeerRead = true;
    }
  }
  if (state.current) renderMessages(false);
}

function renderMessages(scrollToEnd) {
  const page = state.history.get(state.current);
  const box = $('messages');
  const list = clear($('message-list'));
  if (!page) return;
  $('load-older').hidden = page.completed;
  const group = state.current.startsWith('GROUP');
  let lastOut = -1;
  page.list.forEach((m, i) => {
    if (m.flow === 'out' && !m.isRevoked) lastOut = i;
  });
  page.list.forEach((m, i) => list.append(messageItem(m, group, i === lastOut)));
  if (scrollToEnd) box.scrollTop = box.scrollHeight;
}

function messageItem(m, group, isLastOut) {
  const out = m.flow === 'out';
  const li = h('li', { class: `msg ${out ? 'out' : 'in'}${m.isRevoked ? ' revoked' : ''}`, dataset: { id: m.ID } });
  if (group && !out) li.append(h('span', { class: 'msg-from muted', text: m.nick || state.nicks.get(m.from) || m.from }));
  if (m.isRevoked) {
    li.append(h('span', { class: 'bubble system', text: out ? 'You recalled a message' : `${m.nick || m.from} recalled a message` }));
    return li;
  }
  if (state.editing === m.ID) {
    const input = h('input', { class: 'edit', value: m.payload?.text || '', 'aria-label': 'Edit message' });
    const form = h('form', { class: 'bubble edit-form', onsubmit: (e) => saveEdit(e, m, input.value) }, input, h('button', { type: 'submit', text: 'Save' }));
    li.append(form);
    setTimeout(() => input.focus(), 0);
    return li;
  }
  li.append(h('div', { class: 'bubble' }, content(m)));
  const meta = h('span', { class: 'msg-meta muted' }, fmtTime(m.time), m.isModified ? ' · edited' : '', m.status === 'fail' ? ' · failed' : '');
  if (out && !group && isLastOut) meta.append(h('span', { class: `receipt${m.isPeerRead ? ' read' : ''}`, text: m.isPeerRead ? ' · Read' : ' · Sent' }));
  li.append(meta);
  if (out && m.status !== 'fail') {
    const actions = h('span', { class: 'msg-actions' });
    actions.append(h('button', { type: 'button', class: 'link', text: 'Recall', onclick: () => recall(m) }));
    if (m.type === TYPES().MSG_TEXT) actions.append(h('button', { type: 'button', class: 'link', text: 'Edit', onclick: () => startEdit(m) }));
    li.append(actions);
  }
  return li;
}

function content(m) {
  const T = TYPES();
  const p = m.payload || {};
  if (m.type === T.MSG_TEXT) return h('span', { class: 'text', text: p.text ?? '' });
  if (m.type === T.MSG_FACE) return h('span', { class: 'face', text: contentText(m) });
  if (m.type === T.MSG_CUSTOM) {
    let shown = p.data ?? '';
    try {
      shown = JSON.stringify(JSON.parse(p.data), null, 2);
    } catch {
      /* not JSON: shown as it is */
    }
    return h('pre', { class: 'custom', text: shown + (p.description ? `\n${p.description}` : '') });
  }
  if (m.type === T.MSG_IMAGE) {
    // the thumbnail (198 px) in the bubble, the large version (720 px) on click; the original until they are made
    const infos = p.imageInfoArray || [];
    // (a version whose Size is 0 was not made yet when the message was sent: the original stands in for it)
    const of = (type) => infos.find((x) => x.type === type && x.size > 0 && safeURL(x.url || x.URL));
    const urlOf = (info) => info && safeURL(info.url || info.URL);
    const original = urlOf(of(1) || infos.find((x) => safeURL(x.url || x.URL)));
    const thumb = urlOf(of(3)) || original;
    const large = urlOf(of(2)) || original;
    if (!thumb) return h('span', { text: '[image]' });
    const img = h('img', { class: 'image', src: thumb, alt: 'image', loading: 'lazy', referrerpolicy: 'no-referrer' });
    return h('a', { href: large, target: '_blank', rel: 'noopener noreferrer', class: 'image-link', title: 'large version' }, img);
  }
  if (m.type === T.MSG_FILE) {
    const url = safeURL(p.fileUrl);
    const label = `${p.fileName || 'file'}${p.fileSize ? ` (${Math.ceil(p.fileSize / 1024)} KB)` : ''}`;
    return url ? h('a', { href: url, target: '_blank', rel: 'noopener noreferrer', text: label }) : h('span', { text: label });
  }
  return h('span', { class: 'muted', text: contentText(m) });
}

async function recall(m) {
  const res = await sdk('Recall', state.chat.revokeMessage(m));
  if (res !== null) patchMessages([m], (x) => ({ ...x, isRevoked: true }));
}

function startEdit(m) {
  state.editing = m.ID;
  renderMessages(false);
}

async function saveEdit(event, m, text) {
  event.preventDefault();
  state.editing = null;
  const trimmed = text.trim();
  if (!trimmed || trimmed === m.payload?.text) {
    renderMessages(false);
    return;
  }
  m.payload = { ...m.payload, text: trimmed };
  const data = await sdk('Edit', state.chat.modifyMessage(m));
  if (data) patchMessages([data.message || m], (x, fresh) => ({ ...x, ...fresh, isModified: true }));
  else renderMessages(false);
  $('composer-text').focus();
}

function target() {
  const id = state.current;
  const T = TYPES();
  return id.startsWith('GROUP')
    ? { to: id.slice(5), conversationType: T.CONV_GROUP }
    : { to: id.slice(3), conversationType: T.CONV_C2C };
}

async function send(event) {
  event.preventDefault();
  const input = $('composer-text');
  const text = input.value;
  if (!text.trim() || !state.current) return;
  let message;
  if (text.startsWith('/custom ')) {
    const data = text.slice(8).trim();
    message = state.chat.createCustomMessage({ ...target(), payload: { data, description: '', extension: '' } });
  } else {
    message = state.chat.createTextMessage({ ...target(), payload: { text } });
  }
  input.value = '';
  await sendAndShow(message);
}

async function sendAttachment() {
  const input = $('attach-file');
  const file = input.files && input.files[0];
  input.value = '';
  if (!file || !state.current) return;
  const image = file.type.startsWith('image/');
  const message = image
    ? state.chat.createImageMessage({ ...target(), payload: { file } })
    : state.chat.createFileMessage({ ...target(), payload: { file } });
  await sendAndShow(message);
  $('composer-text').focus();
}

async function sendFace(index) {
  const message = state.chat.createFaceMessage({ ...target(), payload: { index, data: FACES[index] } });
  $('faces').hidden = true;
  await sendAndShow(message);
  $('composer-text').focus();
}

async function sendAndShow(message) {
  const id = state.current;
  const page = state.history.get(id);
  const data = await sdk('Send', state.chat.sendMessage(message));
  const sent = data?.message || { ...message, status: 'fail' };
  if (page && !page.list.some((m) => m.ID === sent.ID)) page.list.push(sent);
  if (state.current === id) renderMessages(true);
  state.lastTypingSent = 0;
}

function typing() {
  if (!state.current || state.current.startsWith('GROUP') || !state.chat) return;
  const now = Date.now();
  if (now - state.lastTypingSent < 4000) return;
  state.lastTypingSent = now;
  const payload = { data: JSON.stringify({ businessID: TYPING, typingStatus: 1 }), description: '', extension: '' };
  const message = state.chat.createCustomMessage({ ...target(), payload });
  state.chat.sendMessage(message, { onlineUserOnly: true }).catch(() => {});
}

async function togglePin() {
  const c = conversation(state.current);
  if (!c) return;
  await sdk('Pin', state.chat.pinConversation({ conversationID: c.conversationID, isPinned: !c.isPinned }));
  refreshConversations();
}

async function deleteConversation() {
  const id = state.current;
  if (!id || !confirm('Delete this conversation from your list?')) return;
  const res = await sdk('Delete', state.chat.deleteConversation(id));
  if (res !== null) {
    state.history.delete(id);
    closeConversation();
    refreshConversations();
  }
}

// ---------- contacts ----------

async function renderContacts() {
  if (!state.chat) return;
  const friends = await sdk('Friends', state.chat.getFriendList());
  const list = clear($('friend-list'));
  for (const f of asList(friends, 'friendList')) {
    const id = f.userID;
    const name = f.remark || f.profile?.nick || id;
    list.append(
      h(
        'li',
        {},
        h('span', { class: 'grow' }, h('strong', { text: name }), name !== id ? h('span', { class: 'muted', text: ` ${id}` }) : null),
        h('button', { type: 'button', text: 'Message', onclick: () => chatWith(id) }),
        h('button', { type: 'button', class: 'link', text: 'Block', onclick: () => block(id) }),
        h('button', { type: 'button', class: 'link danger', text: 'Remove', onclick: () => removeFriend(id) }),
      ),
    );
  }
  if (!list.childElementCount) list.append(h('li', { class: 'muted', text: 'No friends yet.' }));
  renderRequests();
  const black = await sdk('Blacklist', state.chat.getBlacklist());
  const bl = clear($('black-list'));
  for (const entry of asList(black, 'blacklist')) {
    const id = typeof entry === 'string' ? entry : entry.userID;
    bl.append(h('li', {}, h('span', { class: 'grow', text: id }), h('button', { type: 'button', text: 'Unblock', onclick: () => unblock(id) })));
  }
  if (!bl.childElementCount) bl.append(h('li', { class: 'muted', text: 'Nobody is blocked.' }));
}

function asList(data, key) {
  if (!data) return [];
  if (Array.isArray(data)) return data;
  return data[key] || [];
}

async function renderRequests() {
  if (!state.chat) return;
  const data = await sdk('Friend requests', state.chat.getFriendApplicationList());
  const T = TYPES();
  const list = clear($('request-list'));
  let incoming = 0;
  for (const a of asList(data, 'friendApplicationList')) {
    const toMe = a.type === T.SNS_APPLICATION_SENT_TO_ME;
    incoming += toMe ? 1 : 0;
    const who = a.nick ? `${a.nick} (${a.userID})` : a.userID;
    list.append(
      h(
        'li',
        {},
        h('span', { class: 'grow' }, h('strong', { text: toMe ? `From ${who}` : `To ${who}` }), a.wording ? h('span', { class: 'muted', text: ` “${a.wording}”` }) : null),
        toMe ? h('button', { type: 'button', text: 'Accept', onclick: () => answer(a.userID, true) }) : h('span', { class: 'muted', text: 'pending' }),
        toMe ? h('button', { type: 'button', class: 'link', text: 'Refuse', onclick: () => answer(a.userID, false) }) : null,
      ),
    );
  }
  if (!list.childElementCount) list.append(h('li', { class: 'muted', text: 'No pending requests.' }));
  const badge = $('requests-badge');
  badge.hidden = incoming === 0;
  badge.textContent = String(incoming);
}

async function addFriend(event) {
  event.preventDefault();
  const to = $('add-friend-user').value.trim();
  const T = TYPES();
  const res = await sdk('Add friend', state.chat.addFriend({ to, source: 'AddSource_Type_Web', wording: $('add-friend-wording').value, type: T.SNS_ADD_TYPE_BOTH }));
  if (res !== null) {
    toast(`Friend request sent to ${to}`);
    $('add-friend').reset();
    renderContacts();
  }
}

async function answer(userID, accept) {
  const T = TYPES();
  const call = accept
    ? state.chat.acceptFriendApplication({ userID, type: T.SNS_APPLICATION_AGREE_AND_ADD })
    : state.chat.refuseFriendApplication({ userID });
  if ((await sdk(accept ? 'Accept' : 'Refuse', call)) !== null) renderContacts();
}

async function removeFriend(id) {
  if (!confirm(`Remove ${id} from your friends?`)) return;
  if ((await sdk('Remove friend', state.chat.deleteFriend({ userIDList: [id], type: TYPES().SNS_DELETE_TYPE_BOTH }))) !== null) renderContacts();
}

async function block(id) {
  if ((await sdk('Block', state.chat.addToBlacklist({ userIDList: [id] }))) !== null) renderContacts();
}

async function unblock(id) {
  if ((await sdk('Unblock', state.chat.removeFromBlacklist({ userIDList: [id] }))) !== null) renderContacts();
}

function chatWith(userID) {
  show('chats');
  openConversation(`C2C${userID}`);
}

// ---------- groups ----------

async function renderGroups() {
  if (!state.chat) return;
  const data = await sdk('Groups', state.chat.getGroupList());
  state.groups = asList(data, 'groupList');
  for (const g of state.groups) state.groupNames.set(g.groupID, g.name || '');
  // Rebuild the rows only when they change: a rebuild between a click's mousedown and mouseup loses the click.
  const shape = JSON.stringify(state.groups.map((g) => [g.groupID, g.name, g.type]));
  if (shape === state.groupsShape && $('group-list').childElementCount) {
    if (state.group) openGroup(state.group);
    return;
  }
  state.groupsShape = shape;
  const list = clear($('group-list'));
  for (const g of state.groups) {
    list.append(
      h(
        'li',
        {},
        h('span', { class: 'grow' }, h('strong', { text: g.name || g.groupID }), h('span', { class: 'muted', text: ` ${g.groupID} · ${g.type}` })),
        h('button', { type: 'button', text: 'Chat', onclick: () => chatInGroup(g.groupID) }),
        h('button', { type: 'button', class: 'link', text: 'Details', onclick: () => openGroup(g.groupID, true) }),
      ),
    );
  }
  if (!list.childElementCount) list.append(h('li', { class: 'muted', text: 'You are in no group.' }));
  if (state.group) openGroup(state.group);
}

function chatInGroup(groupID) {
  show('chats');
  openConversation(`GROUP${groupID}`);
}

async function createGroup(event) {
  event.preventDefault();
  const members = $('group-members').value.split(',').map((s) => s.trim()).filter(Boolean);
  const options = { name: $('group-name').value.trim(), type: $('group-type').value, memberList: members.map((userID) => ({ userID })) };
  const id = $('group-id').value.trim();
  if (id) options.groupID = id;
  const data = await sdk('Create group', state.chat.createGroup(options));
  if (data) {
    const group = data.group || data;
    toast(`Group ${group.name || group.groupID} created`);
    event.target.reset();
    state.group = group.groupID;
    renderGroups();
  }
}

async function joinGroup(event) {
  event.preventDefault();
  const groupID = $('join-group-id').value.trim();
  const data = await sdk('Join group', state.chat.joinGroup({ groupID, type: TYPES().GRP_PUBLIC }));
  if (data) {
    toast(data.status === 'WaitAdminApproval' ? 'Asked to join: waiting for approval' : `Joined ${groupID}`);
    $('join-group-id').value = '';
    renderGroups();
  }
}

async function openGroup(groupID, scroll = false) {
  state.group = groupID;
  const data = await sdk('Group', state.chat.getGroupProfile({ groupID }));
  if (!data) return;
  const g = data.group || data;
  $('group-detail').hidden = false;
  if (scroll) $('group-detail').scrollIntoView({ block: 'start' });
  $('group-detail-name').textContent = g.name || groupID;
  $('group-detail-sub').textContent = `${groupID} · ${g.type || ''}${g.ownerID ? ` · owner ${g.ownerID}` : ''}${g.memberCount ? ` · ${g.memberCount} members` : ''}`;
  const members = asList(await sdk('Members', state.chat.getGroupMemberList({ groupID, count: 100, offset: 0 })), 'memberList');
  const T = TYPES();
  const mine = members.find((m) => m.userID === state.me);
  const myRole = mine?.role || (g.ownerID === state.me ? T.GRP_MBR_ROLE_OWNER : T.GRP_MBR_ROLE_MEMBER);
  const canManage = myRole === T.GRP_MBR_ROLE_OWNER || myRole === T.GRP_MBR_ROLE_ADMIN;
  const ranks = g.type !== T.GRP_WORK; // a Work (Private) group has no admins and no muting
  $('group-dismiss').hidden = myRole !== T.GRP_MBR_ROLE_OWNER;
  $('add-member').hidden = !canManage && g.type !== T.GRP_WORK;
  const list = clear($('member-list'));
  const now = Date.now() / 1000;
  for (const m of members) {
    const muted = Number(m.muteUntil || 0) > now;
    const row = h('li', { dataset: { userId: m.userID } }, h('span', { class: 'grow' }, h('span', { text: m.nick || m.userID }), m.nick ? h('span', { class: 'muted', text: ` ${m.userID}` }) : null, muted ? h('span', { class: 'muted small', text: ` · muted until ${fmtTime(m.muteUntil)}` }) : null));
    if (ranks && myRole === T.GRP_MBR_ROLE_OWNER && m.userID !== state.me) {
      const select = h('select', { 'aria-label': `Role of ${m.userID}`, onchange: () => setRole(groupID, m.userID, select.value) },
        h('option', { value: T.GRP_MBR_ROLE_ADMIN, text: 'Admin' }), h('option', { value: T.GRP_MBR_ROLE_MEMBER, text: 'Member' }));
      select.value = m.role === T.GRP_MBR_ROLE_ADMIN ? T.GRP_MBR_ROLE_ADMIN : T.GRP_MBR_ROLE_MEMBER;
      row.append(select);
    } else {
      row.append(h('span', { class: 'role muted', text: m.role || '' }));
    }
    if (canManage && m.userID !== state.me && m.role !== T.GRP_MBR_ROLE_OWNER) {
      if (ranks) row.append(h('button', { type: 'button', class: 'link', text: muted ? 'Unmute' : 'Mute 10 min', onclick: () => mute(groupID, m.userID, muted ? 0 : 600) }));
      row.append(h('button', { type: 'button', class: 'link danger', text: 'Remove', onclick: () => removeMember(groupID, m.userID) }));
    }
    list.append(row);
  }
}

async function setRole(groupID, userID, role) {
  if ((await sdk('Set role', state.chat.setGroupMemberRole({ groupID, userID, role }))) !== null) openGroup(groupID);
}

async function mute(groupID, userID, muteTime) {
  if ((await sdk('Mute', state.chat.setGroupMemberMuteTime({ groupID, userID, muteTime }))) !== null) openGroup(groupID);
}

async function removeMember(groupID, userID) {
  if ((await sdk('Remove member', state.chat.deleteGroupMember({ groupID, userIDList: [userID] }))) !== null) openGroup(groupID);
}

async function addMember(event) {
  event.preventDefault();
  const userIDList = $('add-member-user').value.split(',').map((s) => s.trim()).filter(Boolean);
  if ((await sdk('Add member', state.chat.addGroupMember({ groupID: state.group, userIDList }))) !== null) {
    $('add-member-user').value = '';
    openGroup(state.group);
  }
}

async function quitGroup() {
  if (!confirm('Quit this group?')) return;
  if ((await sdk('Quit group', state.chat.quitGroup(state.group))) !== null) closeGroup(true);
}

async function dismissGroup() {
  if (!confirm('Dismiss this group for everyone?')) return;
  if ((await sdk('Dismiss group', state.chat.dismissGroup(state.group))) !== null) closeGroup(true);
}

function closeGroup(refresh) {
  state.group = null;
  $('group-detail').hidden = true;
  if (refresh) renderGroups();
}

// ---------- profile ----------

async function refreshProfile() {
  if (!state.chat) return;
  const data = await sdk('Profile', state.chat.getMyProfile());
  if (!data) return;
  showProfile(data);
}

function showProfile(data) {
  state.profile = data;
  $('whoami').textContent = data.nick ? `${data.nick} (${state.me})` : state.me;
  if (state.profileDirty) return; // a late answer must not overwrite what the user is typing
  $('profile-id').textContent = state.me;
  $('profile-nick').value = data.nick || '';
  $('profile-avatar-url').value = data.avatar || '';
  const url = safeURL(data.avatar);
  $('profile-avatar').hidden = !url;
  if (url) $('profile-avatar').src = url;
}

async function saveProfile(event) {
  event.preventDefault();
  const saved = { nick: $('profile-nick').value.trim(), avatar: $('profile-avatar-url').value.trim() };
  const res = await sdk('Save profile', state.chat.updateMyProfile(saved));
  if (res !== null) {
    toast('Profile saved');
    state.profileDirty = false;
    showProfile({ ...state.profile, ...saved });
  }
}

// ---------- wiring ----------

function wireStatic() {
  $('login-form').addEventListener('submit', login);
  $('logout').addEventListener('click', logout);
  $('notice-close').addEventListener('click', () => ($('notice').hidden = true));
  $('notice-action').addEventListener('click', () => {
    $('notice').hidden = true;
    $('login-user').focus();
  });
  for (const tab of document.querySelectorAll('#tabs button')) tab.addEventListener('click', () => show(tab.dataset.view));
  $('new-chat').addEventListener('submit', (e) => {
    e.preventDefault();
    const id = $('new-chat-user').value.trim();
    if (id) openConversation(`C2C${id}`);
    $('new-chat-user').value = '';
  });
  $('conv-back').addEventListener('click', closeConversation);
  $('conv-pin').addEventListener('click', togglePin);
  $('conv-delete').addEventListener('click', deleteConversation);
  $('load-older').addEventListener('click', () => loadOlder(state.current));
  $('messages').addEventListener('scroll', () => {
    if ($('messages').scrollTop === 0 && state.current) loadOlder(state.current);
  });
  $('composer').addEventListener('submit', send);
  $('composer-text').addEventListener('input', typing);
  $('attach').addEventListener('click', () => $('attach-file').click());
  $('attach-file').addEventListener('change', sendAttachment);
  $('face-toggle').addEventListener('click', () => {
    $('faces').hidden = !$('faces').hidden;
    if (!$('faces').hidden) $('faces').querySelector('button').focus();
  });
  FACES.forEach((face, i) => $('faces').append(h('button', { type: 'button', class: 'face-btn', 'aria-label': `Face ${face}`, text: face, onclick: () => sendFace(i) })));
  $('add-friend').addEventListener('submit', addFriend);
  $('block-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    await block($('block-user').value.trim());
    $('block-user').value = '';
  });
  $('create-group').addEventListener('submit', createGroup);
  $('join-group').addEventListener('submit', joinGroup);
  $('group-detail-close').addEventListener('click', () => closeGroup(false));
  $('group-open-chat').addEventListener('click', () => chatInGroup(state.group));
  $('group-quit').addEventListener('click', quitGroup);
  $('group-dismiss').addEventListener('click', dismissGroup);
  $('add-member').addEventListener('submit', addMember);
  $('profile-form').addEventListener('submit', saveProfile);
  $('profile-form').addEventListener('input', () => (state.profileDirty = true));
  document.addEventListener('keydown', onKey);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && state.view === 'chats' && state.current && state.chat) markRead(state.current);
  });
}

/** Esc closes what is open, innermost first: the edit box, the faces, the notice, the conversation, the group. */
function onKey(event) {
  if (event.key !== 'Escape') return;
  if (state.editing) {
    state.editing = null;
    renderMessages(false);
  } else if (!$('faces').hidden) {
    $('faces').hidden = true;
    $('composer-text').focus();
  } else if (!$('notice').hidden) {
    $('notice').hidden = true;
  } else if (state.view === 'chats' && state.current) {
    closeConversation();
  } else if (state.view === 'groups' && state.group) {
    closeGroup(false);
  } else {
    return;
  }
  event.preventDefault();
}

boot();
