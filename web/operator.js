// The Operator section (app admin): settings, accounts, online now, global mute, all-member push, 30-day charts.
// Every call is a server command sent over the SDK's socket as the logged-in admin (chat.callServer).
import { clear, fmtTime, h, svg } from './dom.js';

const SETTINGS = [
  ['roaming_days', 'Roaming days (history kept)', 'int'],
  ['login_policy', 'Multi-terminal policy', ['single', 'no_kick', 'mobile_pc', 'per_platform']],
  ['c2c_friend_check', 'One-to-one messages only between friends', 'bool'],
  ['rest_rate_per_second', 'REST calls per second (0 = no limit)', 'int'],
  ['max_msg_bytes', 'Largest message (bytes)', 'int'],
  ['recent_contacts', 'Recent contacts kept', 'int'],
  ['daily_all_member_pushes', 'All-member pushes per day', 'int'],
];
const CHARTS = [
  ['ActiveUserNum', 'Daily active users'],
  ['UpMsgNum', 'Messages up'],
  ['DownMsgNum', 'Messages down'],
  ['MaxOnlineNum', 'Peak online'],
];

let ctx = null;

async function call(cmd, body = {}) {
  const res = await ctx.chat.callServer(cmd, body);
  const data = res && typeof res === 'object' && 'data' in res && res.data && typeof res.data === 'object' ? res.data : res;
  if (data && data.ErrorCode) throw Object.assign(new Error(data.ErrorInfo || 'failed'), { code: data.ErrorCode });
  return data || {};
}

async function attempt(what, fn) {
  try {
    return await fn();
  } catch (err) {
    ctx.toast(`${what} failed: ${err.message || err}${err.code ? ` (${err.code})` : ''}`, 'error');
    return null;
  }
}

export function renderOperator(root, context) {
  ctx = context;
  clear(root);
  root.append(
    h('div', { class: 'op-grid' },
      card('Today', 'op-today', h('div', { id: 'op-today-body', class: 'figures' })),
      card('Online now', 'op-online', onlineView()),
      card('Accounts', 'op-accounts', accountsView()),
      card('Last 30 days', 'op-charts', h('p', { id: 'op-billing', class: 'muted' }), h('div', { id: 'op-chart-body', class: 'charts' })),
      card('Settings', 'op-settings', h('form', { id: 'op-settings-form', class: 'stack' })),
      card('Callbacks', 'op-callbacks', h('form', { id: 'op-callbacks-form', class: 'stack' })),
      card('Dirty words', 'op-dirty', dirtyView()),
      card('Global mute', 'op-mute', muteView()),
      card('All-member push', 'op-push', pushView()),
      card('App admins', 'op-admins', adminsView()),
      pushesCard(),
    ),
  );
  loadAdmins();
  watchPushes();
  loadToday();
  loadCharts();
  loadOnline();
  loadSettings();
  loadCallbacks();
  loadDirty();
}

function card(title, id, ...body) {
  return h('section', { class: 'card', id, 'aria-label': title }, h('h2', { text: title }), ...body);
}

// ---------- today and charts ----------

async function loadToday() {
  const data = await attempt('Today', () => call('openconfigsvr/get_today_info'));
  const box = document.getElementById('op-today-body');
  if (!data || !box) return;
  clear(box);
  const r = data.Result || {};
  const figures = [
    ['ActiveUserNum', 'DAU today'],
    ['OnlineAccountNum', 'Online now'],
    ['MaxOnlineNum', 'Peak online (people)'],
    ['LoginTimes', 'Logins'],
    ['UpMsgNum', 'Messages up'],
    ['DownMsgNum', 'Messages down'],
    ['RegistUserNumOneDay', 'New accounts'],
  ];
  for (const [key, label] of figures) {
    box.append(h('div', { class: 'figure', dataset: { metric: key } }, h('span', { class: 'value', text: r[key] ?? '0' }), h('span', { class: 'label muted', text: label })));
  }
  box.append(h('p', { class: 'muted small', text: `${day(data.Date)} so far, in the app's time zone; finalised by the hourly stats job after midnight.` }));
  ctx.today = { date: data.Date, dau: Number(r.ActiveUserNum || 0) };
  renderBilling();
}

function day(yyyymmdd) {
  const s = String(yyyymmdd || '');
  return s.length === 8 ? `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6)}` : s;
}

async function loadCharts() {
  const data = await attempt('Statistics', () => call('openconfigsvr/getappinfo', { RequestField: CHARTS.map(([k]) => k) }));
  const box = document.getElementById('op-chart-body');
  if (!data || !box) return;
  clear(box);
  const rows = data.Result || [];
  ctx.days = rows;
  for (const [key, label] of CHARTS) box.append(chart(rows, key, label));
  renderBilling();
}

function renderBilling() {
  const el = document.getElementById('op-billing');
  if (!el) return;
  const month = (ctx.today?.date || '').slice(0, 6);
  const days = (ctx.days || []).filter((r) => String(r.Date).startsWith(month)).map((r) => [r.Date, Number(r.ActiveUserNum || 0)]);
  if (ctx.today) days.push([ctx.today.date, ctx.today.dau]);
  if (!month || !days.length) {
    el.textContent = 'No statistics yet.';
    return;
  }
  const [peakDay, peak] = days.reduce((best, d) => (d[1] > best[1] ? d : best), days[0]);
  el.textContent = `Billing DAU this month (${month.slice(0, 4)}-${month.slice(4)}): ${peak}, the peak on ${day(peakDay)}.`;
}

/** One SVG bar chart of a figure over the days served (oldest first), with its axis labels. */
function chart(rows, key, label) {
  const W = 320;
  const H = 120;
  const pad = { l: 34, r: 6, t: 8, b: 20 };
  const values = rows.map((r) => Number(r[key] || 0));
  const max = Math.max(1, ...values);
  const n = Math.max(values.length, 1);
  const bw = (W - pad.l - pad.r) / n;
  const y = (v) => pad.t + (H - pad.t - pad.b) * (1 - v / max);
  const figure = h('figure', { class: 'chart', dataset: { metric: key } }, h('figcaption', { text: `${label} (max ${Math.max(0, ...values)})` }));
  const g = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': `${label}, last ${rows.length} days` });
  g.append(svg('line', { x1: pad.l, y1: y(0), x2: W - pad.r, y2: y(0), class: 'axis' }));
  g.append(svg('line', { x1: pad.l, y1: pad.t, x2: pad.l, y2: y(0), class: 'axis' }));
  g.append(svg('text', { x: pad.l - 4, y: pad.t + 8, 'text-anchor': 'end', class: 'tick', text: String(max) }));
  g.append(svg('text', { x: pad.l - 4, y: y(0), 'text-anchor': 'end', class: 'tick', text: '0' }));
  rows.forEach((r, i) => {
    const v = values[i];
    const bar = svg('rect', { x: pad.l + i * bw + 1, y: y(v), width: Math.max(bw - 2, 1), height: Math.max(y(0) - y(v), 0), class: 'bar' });
    bar.append(svg('title', { text: `${day(r.Date)}: ${v}` }));
    g.append(bar);
  });
  if (rows.length) {
    g.append(svg('text', { x: pad.l, y: H - 4, class: 'tick', text: day(rows[0].Date).slice(5) }));
    g.append(svg('text', { x: W - pad.r, y: H - 4, 'text-anchor': 'end', class: 'tick', text: day(rows[rows.length - 1].Date).slice(5) }));
  } else {
    g.append(svg('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle', class: 'tick', text: 'no finished days yet' }));
  }
  figure.append(g);
  return figure;
}

// ---------- online now ----------

function onlineView() {
  return [
    h('p', { id: 'op-online-count', class: 'muted' }),
    h('table', { class: 'table' }, h('thead', {}, h('tr', {}, h('th', { text: 'Account' }), h('th', { text: 'Terminal' }), h('th', { text: 'Since' }), h('th', {}))), h('tbody', { id: 'op-online-list' })),
    h('div', { class: 'row' },
      h('button', { type: 'button', text: 'Refresh', onclick: () => loadOnline() }),
      h('button', { type: 'button', id: 'op-online-more', class: 'link', hidden: true, text: 'More', onclick: () => loadOnline(ctx.onlineCursor) }),
    ),
  ];
}

async function loadOnline(cursor) {
  const data = await attempt('Online now', () => call('openconfigsvr/get_online_list', cursor ? { Limit: 50, Cursor: cursor } : { Limit: 50 }));
  const list = document.getElementById('op-online-list');
  if (!data || !list) return;
  if (!cursor) clear(list);
  document.getElementById('op-online-count').textContent = `Online: ${data.OnlineAccountNum ?? 0} account(s) on ${data.OnlineTerminalNum ?? 0} terminal(s)`;
  for (const t of data.TerminalList || []) {
    list.append(h('tr', {}, h('td', { text: t.UserID }), h('td', { text: t.Platform }), h('td', { class: 'muted', text: fmtTime(t.LoginTime) }),
      h('td', {}, h('button', { type: 'button', class: 'link danger', text: 'Kick', onclick: () => kick(t.UserID) }))));
  }
  ctx.onlineCursor = data.Cursor || '';
  document.getElementById('op-online-more').hidden = !data.Cursor;
}

async function kick(userID) {
  if ((await attempt('Kick', () => call('im_open_login_svc/kick', { UserID: userID }))) !== null) {
    ctx.toast(`${userID} was logged out`);
    setTimeout(() => loadOnline(), 300);
  }
}

// ---------- accounts ----------

function accountsView() {
  const importForm = h('form', { id: 'op-import', class: 'inline', onsubmit: importAccount },
    h('input', { id: 'op-import-id', placeholder: 'User ID', 'aria-label': 'User ID to import', required: true, maxlength: 32 }),
    h('input', { id: 'op-import-nick', placeholder: 'Nickname', 'aria-label': 'Nickname' }),
    h('button', { type: 'submit', text: 'Import' }));
  const lookForm = h('form', { id: 'op-lookup', class: 'inline', onsubmit: lookUp },
    h('input', { id: 'op-lookup-id', placeholder: 'User ID', 'aria-label': 'User ID to look up', required: true, maxlength: 32 }),
    h('button', { type: 'submit', text: 'Look up' }));
  return [h('h3', { text: 'Import' }), importForm, h('h3', { text: 'Look up' }), lookForm, h('div', { id: 'op-account', class: 'account' })];
}

async function importAccount(event) {
  event.preventDefault();
  const id = document.getElementById('op-import-id').value.trim();
  const nick = document.getElementById('op-import-nick').value.trim();
  const body = nick ? { UserID: id, Nick: nick } : { UserID: id };
  if ((await attempt('Import', () => call('im_open_login_svc/account_import', body))) !== null) {
    ctx.toast(`Imported ${id}`);
    event.target.reset();
    document.getElementById('op-lookup-id').value = id;
    showAccount(id);
  }
}

function lookUp(event) {
  event.preventDefault();
  showAccount(document.getElementById('op-lookup-id').value.trim());
}

async function showAccount(id) {
  const box = clear(document.getElementById('op-account'));
  const check = await attempt('Look up', () => call('im_open_login_svc/account_check', { CheckItem: [{ UserID: id }] }));
  if (!check) return;
  const item = (check.ResultItem || [])[0] || {};
  if (item.AccountStatus !== 'Imported') {
    box.append(h('p', { class: 'muted', text: `${id}: no such account.` }));
    return;
  }
  const [profile, status] = await Promise.all([
    attempt('Profile', () => call('profile/portrait_get', { To_Account: [id], TagList: ['Tag_Profile_IM_Nick', 'Tag_Profile_IM_Image'] })),
    attempt('Status', () => call('openim/query_online_status', { To_Account: [id], IsNeedDetail: 1 })),
  ]);
  const tags = Object.fromEntries(((profile?.UserProfileItem || [])[0]?.ProfileItem || []).map((t) => [t.Tag, t.Value]));
  const online = (status?.QueryResult || [])[0] || {};
  const terminals = (online.Detail || []).map((d) => d.Platform).join(', ');
  box.append(
    h('dl', { class: 'facts' },
      h('dt', { text: 'User ID' }), h('dd', { text: id }),
      h('dt', { text: 'Nickname' }), h('dd', { text: tags.Tag_Profile_IM_Nick || '—' }),
      h('dt', { text: 'Status' }), h('dd', { text: `${online.Status || 'Offline'}${terminals ? ` (${terminals})` : ''}` })),
    h('div', { class: 'row' },
      h('button', { type: 'button', text: 'Kick', onclick: () => kick(id) }),
      h('button', { type: 'button', class: 'danger', text: 'Delete account', onclick: () => deleteAccount(id) })),
  );
}

async function deleteAccount(id) {
  if (!confirm(`Delete ${id} and everything it owns?`)) return;
  const data = await attempt('Delete', () => call('im_open_login_svc/account_delete', { DeleteItem: [{ UserID: id }] }));
  const item = (data?.ResultItem || [])[0];
  if (item && !item.ResultCode) {
    ctx.toast(`Deleted ${id}`);
    clear(document.getElementById('op-account'));
  } else if (item) {
    ctx.toast(`Delete failed: ${item.ResultInfo} (${item.ResultCode})`, 'error');
  }
}

// ---------- settings ----------

async function loadSettings() {
  const data = await attempt('Settings', () => call('openconfigsvr/get_app_config'));
  const form = document.getElementById('op-settings-form');
  if (!data || !form) return;
  clear(form);
  const config = data.AppConfig || {};
  for (const [key, label, kind] of SETTINGS) {
    let input;
    if (kind === 'bool') {
      input = h('input', { type: 'checkbox', name: key, checked: !!config[key] });
      form.append(h('label', { class: 'check' }, input, ` ${label}`));
      continue;
    }
    if (Array.isArray(kind)) {
      input = h('select', { name: key }, kind.map((v) => h('option', { value: v, text: v })));
      input.value = config[key];
    } else {
      input = h('input', { type: 'number', name: key, min: 0, step: 1, value: config[key] ?? '' });
    }
    form.append(h('label', {}, `${label} `, input));
  }
  form.append(h('button', { type: 'submit', text: 'Save settings' }));
  form.onsubmit = saveSettings;
}

async function saveSettings(event) {
  event.preventDefault();
  const form = event.target;
  const changes = {};
  for (const [key, , kind] of SETTINGS) {
    const input = form.elements[key];
    if (kind === 'bool') changes[key] = input.checked;
    else if (kind === 'int') changes[key] = Number(input.value);
    else changes[key] = input.value;
  }
  if ((await attempt('Save settings', () => call('openconfigsvr/set_app_config', { AppConfig: changes }))) !== null) {
    ctx.toast('Settings saved');
    loadSettings();
  }
}

// ---------- dirty words ----------

function dirtyView() {
  return [
    h('form', { class: 'inline', onsubmit: addDirty },
      h('input', { id: 'op-dirty-word', placeholder: 'Word', 'aria-label': 'Dirty word', required: true, maxlength: 64 }),
      h('button', { type: 'submit', text: 'Add' })),
    h('ul', { id: 'op-dirty-list', class: 'chips' }),
  ];
}

async function loadDirty() {
  const data = await attempt('Dirty words', () => call('openim_dirty_words/get'));
  const list = document.getElementById('op-dirty-list');
  if (!data || !list) return;
  clear(list);
  for (const word of data.DirtyWordsList || []) {
    list.append(h('li', {}, h('span', { text: word }), h('button', { type: 'button', class: 'link', 'aria-label': `Remove ${word}`, text: '✕', onclick: () => removeDirty(word) })));
  }
  if (!list.childElementCount) list.append(h('li', { class: 'muted', text: 'None (the built-in list still applies).' }));
}

async function addDirty(event) {
  event.preventDefault();
  const word = document.getElementById('op-dirty-word').value.trim();
  if ((await attempt('Add word', () => call('openim_dirty_words/add', { DirtyWordsList: [word] }))) !== null) {
    event.target.reset();
    loadDirty();
  }
}

async function removeDirty(word) {
  if ((await attempt('Remove word', () => call('openim_dirty_words/delete', { DirtyWordsList: [word] }))) !== null) loadDirty();
}

// ---------- global mute and all-member push ----------

function muteView() {
  return [
    h('form', { id: 'op-mute-form', class: 'stack', onsubmit: setMute },
      h('label', {}, 'Account ', h('input', { id: 'op-mute-id', required: true, maxlength: 32 })),
      h('label', {}, 'One-to-one mute (seconds, 0 = off) ', h('input', { id: 'op-mute-c2c', type: 'number', min: 0, value: 600 })),
      h('label', {}, 'Group mute (seconds, 0 = off) ', h('input', { id: 'op-mute-group', type: 'number', min: 0, value: 600 })),
      h('div', { class: 'row' }, h('button', { type: 'submit', text: 'Set' }), h('button', { type: 'button', class: 'link', text: 'Show', onclick: getMute }))),
    h('p', { id: 'op-mute-state', class: 'muted' }),
  ];
}

async function setMute(event) {
  event.preventDefault();
  const body = {
    Set_Account: document.getElementById('op-mute-id').value.trim(),
    C2CmsgNospeakingTime: Number(document.getElementById('op-mute-c2c').value),
    GroupmsgNospeakingTime: Number(document.getElementById('op-mute-group').value),
  };
  if ((await attempt('Mute', () => call('openconfigsvr/setnospeaking', body))) !== null) {
    ctx.toast(`Mute set for ${body.Set_Account}`);
    getMute();
  }
}

async function getMute() {
  const id = document.getElementById('op-mute-id').value.trim();
  if (!id) return;
  const data = await attempt('Mute', () => call('openconfigsvr/getnospeaking', { Get_Account: id }));
  if (data) document.getElementById('op-mute-state').textContent = `${id}: one-to-one ${data.C2CmsgNospeakingTime}s, groups ${data.GroupmsgNospeakingTime}s left`;
}

function pushView() {
  return h('form', { id: 'op-push-form', class: 'stack', onsubmit: push },
    h('label', {}, 'Message to every online account ', h('textarea', { id: 'op-push-text', rows: 2, required: true, maxlength: 1000 })),
    h('label', {}, 'With tag (optional) ', h('input', { id: 'op-push-tag', maxlength: 50 })),
    h('button', { type: 'submit', text: 'Push' }));
}

async function push(event) {
  event.preventDefault();
  const text = document.getElementById('op-push-text').value;
  const tag = document.getElementById('op-push-tag').value.trim();
  const body = { MsgRandom: Math.floor(Math.random() * 2 ** 31), MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: text } }] };
  if (tag) body.Condition = { TagsOr: [tag] };
  const data = await attempt('Push', () => call('all_member_push/im_push', body));
  if (data) {
    ctx.toast(`Push queued (task ${data.TaskId})`);
    event.target.reset();
  }
}

// ---------- app admins (openconfigsvr/get_app_admins, modify_app_admins) ----------

function adminsView() {
  return [
    h('p', { class: 'muted small', text: 'Identifiers whose UserSig may call admin commands (1 to 20). Other servers see a change within 10 s.' }),
    h('ul', { id: 'op-admins-list', class: 'chips' }),
    h('form', { id: 'op-admins-form', class: 'inline', onsubmit: addAdmin },
      h('input', { id: 'op-admins-id', placeholder: 'User ID', 'aria-label': 'Admin identifier to add', required: true, maxlength: 32 }),
      h('button', { type: 'submit', text: 'Add admin' })),
  ];
}

function showAdmins(admins) {
  const list = document.getElementById('op-admins-list');
  if (!list) return;
  clear(list);
  for (const id of admins) {
    const self = id === ctx.config?.admin || id === ctx.chat?.getMyUserID?.();
    list.append(h('li', { dataset: { admin: id } },
      h('span', { text: self ? `${id} (you)` : id }),
      h('button', { type: 'button', class: 'link', 'aria-label': `Remove admin ${id}`, text: '✕', disabled: admins.length < 2, onclick: () => removeAdmin(id, self) })));
  }
}

async function loadAdmins() {
  const data = await attempt('App admins', () => call('openconfigsvr/get_app_admins'));
  if (data) showAdmins(data.AdminList || []);
}

async function addAdmin(event) {
  event.preventDefault();
  const id = document.getElementById('op-admins-id').value.trim();
  const data = await attempt('Add admin', () => call('openconfigsvr/modify_app_admins', { AddAdmin_Account: [id] }));
  if (data) {
    ctx.toast(`${id} is an admin`);
    event.target.reset();
    showAdmins(data.AdminList || []);
  }
}

async function removeAdmin(id, self) {
  if (self && !confirm(`Remove ${id}, the identifier you are logged in as? Its admin commands stop working.`)) return;
  const data = await attempt('Remove admin', () => call('openconfigsvr/modify_app_admins', { DeleteAdmin_Account: [id] }));
  if (data) {
    ctx.toast(`${id} is no longer an admin`);
    showAdmins(data.AdminList || []);
  }
}

// ---------- offline pushes of the local stack (GET /dev/pushes: devstack only, never deployed) ----------

const PUSHES_URL = './dev/pushes';
const PUSHES_SHOWN = 20;
const PUSHES_EVERY_MS = 3000;

function pushesCard() {
  const el = card('Offline pushes (local stack)', 'op-pushes',
    h('p', { class: 'muted small', text: 'What phones would have received: the last pushes the stack sent through SNS, newest first.' }),
    h('table', { class: 'table pushes' },
      h('thead', {}, h('tr', {}, h('th', { text: 'Time' }), h('th', { text: 'Device' }), h('th', { text: 'Notification' }), h('th', { text: 'Result' }))),
      h('tbody', { id: 'op-pushes-list' })));
  el.hidden = true; // shown once the stack answers /dev/pushes
  return el;
}

async function fetchPushes() {
  try {
    const res = await fetch(PUSHES_URL, { cache: 'no-store' });
    if (!res.ok || !(res.headers.get('content-type') || '').includes('json')) return null;
    const data = await res.json();
    return Array.isArray(data?.Pushes) ? data.Pushes : null;
  } catch {
    return null;
  }
}

/** Probe once; if the stack offers the endpoint, show the card and refresh it while it is on the page. */
async function watchPushes() {
  const first = await fetchPushes();
  const box = document.getElementById('op-pushes');
  if (!first || !box) return;
  box.hidden = false;
  showPushes(first);
  const timer = setInterval(async () => {
    if (!document.getElementById('op-pushes-list')) {
      clearInterval(timer); // the operator view was left or rebuilt
      return;
    }
    const pushes = await fetchPushes();
    if (pushes) showPushes(pushes);
  }, PUSHES_EVERY_MS);
}

function pushSummary(payload) {
  const p = payload && typeof payload === 'object' ? payload : {};
  const alert = p.aps?.alert;
  const note = p.notification || p.data || p;
  const title = (typeof alert === 'object' ? alert?.title : '') || note.title || note.Title || '';
  const body = (typeof alert === 'object' ? alert?.body : alert) || note.body || note.Desc || note.desc || '';
  const badge = p.aps?.badge ?? note.badge ?? note.notification_count;
  if (!title && !body) return typeof payload === 'string' ? payload : JSON.stringify(payload);
  return `${title}${title && body ? ': ' : ''}${body}${badge !== undefined ? ` [badge ${badge}]` : ''}`;
}

function showPushes(pushes) {
  const list = document.getElementById('op-pushes-list');
  if (!list) return;
  clear(list);
  const shown = pushes.slice(-PUSHES_SHOWN).reverse();
  for (const p of shown) {
    const token = String(p.Token || p.Target || '');
    list.append(h('tr', { class: p.Result === 'Sent' ? '' : 'failed' },
      h('td', { class: 'muted', text: fmtTime(p.Time) }),
      h('td', {}, h('span', { text: p.Platform || 'webhook' }), ' ', h('code', { title: token, text: token.length > 12 ? `${token.slice(0, 12)}…` : token })),
      h('td', { class: 'push-text', text: pushSummary(p.Payload) }),
      h('td', { text: p.Result || '' })));
  }
  if (!shown.length) list.append(h('tr', {}, h('td', { colspan: 4, class: 'muted', text: 'No pushes yet: a message to an account with a registered device and no online terminal makes one.' })));
}

// ---------- callbacks to the app backend (README "Callbacks") ----------

const CALLBACK_COMMANDS = [
  'C2C.CallbackBeforeSendMsg', 'C2C.CallbackAfterSendMsg', 'C2C.CallbackAfterMsgWithDraw', 'C2C.CallbackAfterMsgReport',
  'Group.CallbackBeforeSendMsg', 'Group.CallbackAfterSendMsg', 'Group.CallbackBeforeCreateGroup', 'Group.CallbackAfterCreateGroup',
  'Group.CallbackBeforeApplyJoinGroup', 'Group.CallbackAfterNewMemberJoin', 'Group.CallbackAfterMemberExit',
  'Group.CallbackAfterGroupDestroyed', 'Group.CallbackAfterGroupInfoChanged', 'Sns.CallbackPrevFriendAdd', 'Sns.CallbackFriendAdd',
  'Sns.CallbackFriendDelete', 'Sns.CallbackBlackListAdd', 'Sns.CallbackBlackListDelete', 'Profile.CallbackPortraitSet', 'State.StateChange',
];

async function loadCallbacks() {
  const data = await attempt('Callbacks', () => call('openconfigsvr/get_callback_config'));
  const form = document.getElementById('op-callbacks-form');
  if (!data || !form) return;
  clear(form);
  const c = data.CallbackConfig || {};
  const enabled = new Set(c.Commands || []);
  form.append(
    h('label', {}, 'URL ', h('input', { name: 'URL', type: 'url', value: c.URL || '', placeholder: 'https://your-backend.example/im-callback', 'aria-label': 'Callback URL' })),
    h('label', {}, 'Timeout (ms, 100-5000) ', h('input', { name: 'TimeoutMs', type: 'number', min: 100, max: 5000, step: 100, value: c.TimeoutMs ?? 2000 })),
    h('label', {}, 'When a before-callback fails ', h('select', { name: 'OnFailure' }, h('option', { value: 'allow', text: 'allow' }), h('option', { value: 'refuse', text: 'refuse' }))),
    h('label', {}, `Token (${c.TokenSet ? 'set; blank keeps it' : 'none'}) `, h('input', { name: 'Token', type: 'password', autocomplete: 'off', maxlength: 128, 'aria-label': 'Callback token' })),
    h('fieldset', { class: 'stack' }, h('legend', { text: 'Commands' }),
      CALLBACK_COMMANDS.map((name) => h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'cmd', value: name, checked: enabled.has(name) }), ` ${name}`))),
    h('div', { class: 'row' },
      h('button', { type: 'submit', text: 'Save callbacks' }),
      h('button', { type: 'button', class: 'danger', text: 'Remove', onclick: removeCallbacks })),
  );
  form.elements.OnFailure.value = c.OnFailure || 'allow';
  form.onsubmit = saveCallbacks;
}

async function saveCallbacks(event) {
  event.preventDefault();
  const form = event.target;
  const body = {
    URL: form.elements.URL.value.trim(),
    Commands: [...form.querySelectorAll('input[name=cmd]:checked')].map((i) => i.value),
    TimeoutMs: Number(form.elements.TimeoutMs.value),
    OnFailure: form.elements.OnFailure.value,
  };
  if (form.elements.Token.value) body.Token = form.elements.Token.value;
  if ((await attempt('Save callbacks', () => call('openconfigsvr/set_callback_config', body))) !== null) {
    ctx.toast('Callbacks saved');
    loadCallbacks();
  }
}

async function removeCallbacks() {
  if ((await attempt('Remove callbacks', () => call('openconfigsvr/delete_callback_config'))) !== null) {
    ctx.toast('Callbacks removed');
    loadCallbacks();
  }
}
