// Caravan operations console: plain JavaScript, no build step, no library.
// Everything it shows comes from Caravan's admin APIs (/ops, /rabbitmq); it computes nothing itself.
// Those APIs take bearer tokens: a signed-in browser gets one from /console/token (or the operator
// pastes an admin token). Errors are problem+json and shown as they come.
'use strict';

const REFRESH_SECONDS = Number(new URLSearchParams(location.search).get('refresh') || 5);
const PAGE_SIZE = 20;
const TOKEN_KEY = 'caravan.console.token';

const state = {
  view: 'flows',
  minted: null,          // {token, expiresAt} from /console/token
  dlq: null,             // the dead-letter queue shown
  offset: 0,
  filters: {},
  busy: false,           // a confirmation dialog is open or an action runs: no refresh meanwhile
  refreshing: false,     // a refresh is under way
  again: false,          // another was asked for meanwhile
};

// ---------------------------------------------------------------- the API

class Problem extends Error {
  constructor(status, body) {
    super((body && (body.detail || body.title)) || ('HTTP ' + status));
    this.status = status;
    this.body = body || {};
  }
}

async function bearer(fresh) {
  const pasted = sessionStorage.getItem(TOKEN_KEY);
  if (pasted) return pasted;
  if (fresh || !state.minted || state.minted.expiresAt - Date.now() < 60000) {
    const res = await fetch('/console/token', { credentials: 'same-origin', headers: { Accept: 'application/json' } });
    if (res.status === 401 || res.redirected) {
      // the sign-in has ended: through the login page and back
      location.assign('/console' + location.search + location.hash);
      throw new Problem(401, { detail: 'Signed out; to the login page.' });
    }
    const body = await res.json().catch(() => null);
    if (!res.ok) throw new Problem(res.status, body);
    state.minted = { token: body.token, expiresAt: Date.parse(body.expires_at) };
    document.getElementById('who').textContent = body.user + ' (' + body.roles.join(', ') + ')';
  }
  return state.minted.token;
}

async function api(method, path, body, retried) {
  const headers = { Accept: 'application/json, application/problem+json', Authorization: 'Bearer ' + await bearer(retried) };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch (e) { json = { detail: text }; }
  if (res.status === 401 && !retried && !sessionStorage.getItem(TOKEN_KEY)) return api(method, path, body, true);
  if (!res.ok) throw new Problem(res.status, json);
  return json;
}

function showProblem(error) {
  const box = document.getElementById('problem');
  if (!error) { box.hidden = true; box.textContent = ''; return; }
  box.hidden = false;
  box.innerHTML = '';
  const status = error.status ? error.status + ' ' + (error.body.title || '') : 'Error';
  box.append(el('b', {}, status), error.message);
  for (const e of (error.body.errors || [])) box.append(el('div', {}, (e.field || e.pointer || '') + ': ' + (e.message || e.detail || '')));
}

// ---------------------------------------------------------------- small helpers

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== undefined && c !== null) node.append(c instanceof Node ? c : String(c));
  return node;
}
const num = (v) => (v === null || v === undefined ? '–' : String(v));
const rate = (v) => (v === null || v === undefined ? '–' : v.toFixed(v < 10 ? 1 : 0));
const when = (iso) => (iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '–');
const badge = (text, kind) => el('span', { class: 'badge ' + (kind || '') }, text);
function ago(seconds) {
  if (seconds < 120) return seconds + ' s';
  if (seconds < 7200) return Math.round(seconds / 60) + ' min';
  return Math.round(seconds / 3600) + ' h';
}
function hex(base64) {
  const bytes = atob(base64);
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += bytes.charCodeAt(i).toString(16).padStart(2, '0') + (i % 16 === 15 ? '\n' : ' ');
  return out.trim();
}

// ---------------------------------------------------------------- flows

async function renderFlows() {
  const report = await api('GET', '/ops/flows');
  const w = report.workers;
  document.getElementById('workers').replaceChildren(
    el('h2', {}, 'Workers on this instance'),
    el('div', { class: 'kv' }, el('span', {}, 'caravan.workers'), el('code', {}, w.selected.join(','))),
    el('div', { class: 'kv' }, el('span', {}, 'running here'),
      el('div', {}, w.running.length ? w.running.map((t) => badge(t, 'ok')) : el('span', { class: 'muted' }, 'none'))),
    el('div', { class: 'kv' }, el('span', {}, 'not started here'),
      el('div', {}, w.not_started.length ? w.not_started.map((t) => badge(t, 'warn')) : el('span', { class: 'muted' }, 'none'))),
    el('div', { class: 'muted' }, 'Message counts: last ' + ago(report.counts_seconds) + ' (since ' + when(report.counts_since) + '), this instance.'));
  const cards = report.flows.map((f) => el('article', { class: 'flow', id: 'flow-' + f.name },
    el('header', {}, el('h3', {}, f.name), el('span', { class: 'file' }, 'routes/' + f.file)),
    f.description ? el('p', {}, f.description) : null,
    counts(f.messages),
    el('h4', {}, 'Doors'),
    f.doors.length ? el('ul', {}, f.doors.map((d) => el('li', {}, badge(d.method || 'ANY', 'method'), el('code', {}, d.path), ' ',
      d.status === 'Started' ? null : badge(d.status, 'warn')))) : el('div', { class: 'muted' }, 'none (fed by the broker)'),
    el('h4', {}, 'Queues and consumers'),
    f.consumers.length ? el('table', { class: 'grid' },
      el('thead', {}, el('tr', {}, el('th', {}, 'queue'), el('th', {}, 'worker'), el('th', {}, 'consumer'),
        el('th', { class: 'num' }, 'stored'), el('th', { class: 'num' }, 'retried'), el('th', { class: 'num' }, 'dead-lettered'))),
      el('tbody', {}, f.consumers.map((c) => el('tr', {},
        el('td', {}, el('code', {}, c.queue), el('div', { class: 'muted' }, [...c.retry_queues.length ? [c.retry_queues.length + ' retry steps'] : [], c.dead_letter_queue ? '→ ' + c.dead_letter_queue : ''].join(' '))),
        el('td', {}, c.worker_type ? badge(c.worker_type) : '–'),
        el('td', {}, badge(c.status === 'Started' ? 'running ×' + num(c.concurrency) : (c.status || '?').toLowerCase(), c.status === 'Started' ? 'ok' : 'warn')),
        el('td', { class: 'num' }, c.messages.stored),
        el('td', { class: 'num' }, c.messages.retried),
        el('td', { class: 'num' }, c.messages.dead_lettered))))) : el('div', { class: 'muted' }, 'none')));
  document.getElementById('flows').replaceChildren(...cards);
}

function counts(m) {
  return el('div', { class: 'counts' },
    el('div', {}, el('b', {}, m.accepted), el('span', {}, 'accepted')),
    el('div', {}, el('b', {}, m.stored), el('span', {}, 'stored')),
    el('div', { class: 'rt' }, el('b', {}, m.retried), el('span', {}, 'retried')),
    el('div', { class: 'dl' }, el('b', {}, m.dead_lettered), el('span', {}, 'dead-lettered')));
}

// ---------------------------------------------------------------- queues

async function renderQueues() {
  const [summary, outbox] = await Promise.all([api('GET', '/rabbitmq/queues'), api('GET', '/ops/outbox')]);
  const viaApi = summary.source === 'management-api';
  document.getElementById('queue-source').replaceChildren(el('h2', {}, 'Source'),
    el('div', {}, badge(summary.source, viaApi ? 'ok' : 'warn'), viaApi
      ? 'RabbitMQ management API: depths, unacknowledged messages and rates.'
      : 'Passive declares over AMQP (the management API does not answer): ready messages and consumers only, no rates.'));
  document.getElementById('outbox').replaceChildren(el('h2', {}, 'Outbox (PostgreSQL)'),
    el('div', {}, badge(outbox.status, outbox.status === 'UP' ? 'ok' : 'bad'),
      el('b', { id: 'outbox-depth' }, outbox.depth), ' waiting',
      outbox.depth ? ', oldest ' + ago(outbox.oldest_age_seconds) : '',
      el('span', { class: 'muted' }, ' (alert after ' + ago(outbox.alert_after_seconds) + ')')));
  const rows = [];
  for (const q of summary.queues) {
    rows.push(queueRow('work', q, 'work queue · ' + q.key));
    q.retry_queues.forEach((r, i) => rows.push(queueRow('retry', r, 'retry step ' + (i + 1))));
    rows.push(queueRow('dead-letter', q.dead_letter_queue, 'dead letters'));
  }
  document.querySelector('#queues tbody').replaceChildren(...rows);
}

function queueRow(role, q, label) {
  const nonzero = role === 'dead-letter' && q.messages_ready > 0;
  const name = role === 'dead-letter'
    ? el('a', { href: '#dead-letters', onclick: () => { state.dlq = q.name; state.offset = 0; } }, el('code', {}, q.name))
    : el('code', {}, q.name);
  return el('tr', { class: role + (nonzero ? ' nonzero' : ''), 'data-queue': q.name },
    el('td', {}, name, q.exists ? null : badge('missing', 'bad')),
    el('td', {}, label),
    el('td', { class: 'num' }, num(q.messages_ready)),
    el('td', { class: 'num' }, num(q.messages_unacknowledged)),
    el('td', { class: 'num' }, num(q.consumers)),
    el('td', { class: 'num' }, rate(q.publish_rate)),
    el('td', { class: 'num' }, rate(q.deliver_rate)));
}

// ---------------------------------------------------------------- dead letters

async function renderDeadLetters() {
  const queues = await api('GET', '/ops/dead-letters');
  const dlqs = new Map();
  for (const q of queues) {
    const seen = dlqs.get(q.dead_letter_queue);
    dlqs.set(q.dead_letter_queue, { depth: q.depth, serves: seen ? seen.serves.concat(q.queue) : [q.queue] });
  }
  if (!state.dlq || !dlqs.has(state.dlq)) {
    state.dlq = [...dlqs.entries()].find(([, v]) => v.depth > 0)?.[0] || [...dlqs.keys()][0];
  }
  document.getElementById('dlqs').replaceChildren(...[...dlqs.entries()].map(([name, v]) => el('li', {},
    el('a', { href: '#dead-letters', class: name === state.dlq ? 'active' : '', 'data-dlq': name, title: 'from ' + v.serves.join(', '),
      onclick: (e) => { e.preventDefault(); state.dlq = name; state.offset = 0; hideAnswer(); refresh(); } },
    el('code', {}, name), el('span', { class: 'n' + (v.depth ? ' nonzero' : '') }, v.depth)))));
  if (!state.dlq) return;
  const params = new URLSearchParams({ offset: state.offset, limit: PAGE_SIZE });
  for (const [k, v] of Object.entries(state.filters)) params.set(k, v);
  const page = await api('GET', '/ops/dead-letters/' + encodeURIComponent(state.dlq) + '?' + params);
  const serves = dlqs.get(state.dlq).serves.join(', ');
  document.getElementById('dlq-title').textContent = state.dlq + ' — ' + page.depth + ' dead letter(s), from ' + serves;
  const first = page.dead_letters.length ? page.offset + 1 : 0;
  document.getElementById('page-info').textContent = first + '–' + (page.offset + page.dead_letters.length)
    + (Object.keys(state.filters).length ? ' matching' : ' of ' + page.depth);
  document.getElementById('page-prev').disabled = page.offset === 0;
  document.getElementById('page-next').disabled = !page.more;
  document.querySelector('#dead-letters tbody').replaceChildren(...(page.dead_letters.length
    ? page.dead_letters.map(deadLetterRow)
    : [el('tr', {}, el('td', { colspan: 8, class: 'muted' }, 'No dead letters' + (Object.keys(state.filters).length ? ' match the filter.' : ' here.')))]));
}

function deadLetterRow(d) {
  const body = d.body_encoding === 'utf-8' ? d.body : hex(d.body);
  return el('tr', { 'data-message-id': d.message_id || '' },
    el('td', {}, el('code', {}, d.message_id || '–'), d.replay_count ? el('div', { class: 'muted' }, 'replayed ×' + d.replay_count) : null),
    el('td', { class: 'reason' }, el('div', { class: 'clamp', title: d.reason || '' }, d.reason || '–'),
      d.exception ? el('div', { class: 'muted mono' }, d.exception.replace(/^.*\./, '')) : null),
    el('td', {}, d.failure ? badge(d.failure, d.failure === 'poison' ? 'bad' : 'warn') : '–'),
    el('td', {}, el('code', {}, d.original_queue || '–')),
    el('td', { class: 'num' }, num(d.attempts)),
    el('td', { class: 'when' }, el('div', {}, 'first ', when(d.first_failure)), el('div', {}, 'last ', when(d.last_failure))),
    el('td', {}, el('pre', { class: 'body mono', title: d.size + ' bytes, ' + (d.body_encoding === 'utf-8' ? 'text' : 'hex') }, body),
      el('span', { class: 'muted' }, d.size + ' B' + (d.body_encoding === 'utf-8' ? '' : ', hex'))),
    el('td', { class: 'ops' },
      el('button', { type: 'button', class: 'replay-one', disabled: !d.message_id,
        onclick: () => act('replay', 'Replay dead letter ' + d.message_id + ' from ' + state.dlq + ' to ' + (d.original_queue || 'the queue it failed on') + '?',
          'POST', messagePath(d.message_id) + '/replay') }, 'Replay'),
      el('button', { type: 'button', class: 'delete-one danger', disabled: !d.message_id,
        onclick: () => act('delete', 'Delete dead letter ' + d.message_id + ' from ' + state.dlq + ' for good?',
          'DELETE', messagePath(d.message_id)) }, 'Delete')));
}

const messagePath = (id) => '/ops/dead-letters/' + encodeURIComponent(state.dlq) + '/messages/' + encodeURIComponent(id);

function selectionBody() {
  const f = state.filters;
  if (!Object.keys(f).length) return null;
  return { ...f };
}

function describe(selection) {
  return Object.entries(selection).map(([k, v]) => k + ' = ' + v).join(', ');
}

async function act(verb, question, method, path, body) {
  if (!await confirmed(question, verb === 'delete' ? 'Delete' : 'Replay')) return;
  state.busy = true;
  try {
    const answer = await api(method, path, body);
    showAnswer(verb, answer);
    showProblem(null);
  } catch (e) {
    showAnswer(verb, null, e);
  } finally {
    state.busy = false;
    refresh();
  }
}

function showAnswer(verb, a, error) {
  const box = document.getElementById('answer');
  box.hidden = false;
  if (error) {
    box.className = 'answer failed';
    box.textContent = verb + ' refused: ' + (error.status ? error.status + ' ' + (error.body.title || '') + ' — ' : '') + error.message;
    return;
  }
  const failed = a.failed || [];
  box.className = 'answer' + (failed.length ? ' failed' : '');
  box.textContent = verb === 'replay'
    ? 'Replayed ' + a.replayed + ', failed ' + failed.length + ', remaining ' + a.remaining + ' (examined ' + a.examined + (a.more ? ', more beyond' : '') + ')'
      + (a.ids.length ? ': ' + a.ids.join(', ') : '') + failed.map((f) => ' — ' + f.message_id + ': ' + f.reason).join('')
    : 'Deleted ' + a.deleted + ', remaining ' + a.remaining + ' (examined ' + a.examined + (a.more ? ', more beyond' : '') + ')'
      + (a.ids.length ? ': ' + a.ids.join(', ') : '');
}
function hideAnswer() { document.getElementById('answer').hidden = true; }

function confirmed(question, okLabel) {
  const dialog = document.getElementById('confirm');
  document.getElementById('confirm-text').textContent = question;
  document.getElementById('confirm-ok').textContent = okLabel;
  state.busy = true;
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => { state.busy = false; resolve(dialog.returnValue === 'ok'); }, { once: true });
    dialog.returnValue = '';
    dialog.showModal();
  });
}

function wireDeadLetters() {
  const form = document.getElementById('filters');
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const filters = {};
    for (const [k, v] of new FormData(form).entries()) {
      if (!v) continue;
      // datetime-local is the browser's local time; the API wants an instant
      filters[k] = k.startsWith('failed_') ? new Date(v).toISOString() : v.trim();
    }
    state.filters = filters;
    state.offset = 0;
    hideAnswer();
    refresh();
  });
  document.getElementById('filters-clear').addEventListener('click', () => { form.reset(); form.requestSubmit(); });
  document.getElementById('page-prev').addEventListener('click', () => { state.offset = Math.max(0, state.offset - PAGE_SIZE); refresh(); });
  document.getElementById('page-next').addEventListener('click', () => { state.offset += PAGE_SIZE; refresh(); });
  const base = () => '/ops/dead-letters/' + encodeURIComponent(state.dlq);
  document.getElementById('replay-selection').addEventListener('click', () => {
    const s = selectionBody();
    if (!s) { showAnswer('replay', null, new Problem(0, { detail: 'set a filter first; "Replay all" takes everything' })); return; }
    act('replay', 'Replay every dead letter in ' + state.dlq + ' where ' + describe(s) + '?', 'POST', base() + '/replay', s);
  });
  document.getElementById('delete-selection').addEventListener('click', () => {
    const s = selectionBody();
    if (!s) { showAnswer('delete', null, new Problem(0, { detail: 'set a filter first; "Delete all" takes everything' })); return; }
    act('delete', 'Delete for good every dead letter in ' + state.dlq + ' where ' + describe(s) + '?', 'POST', base() + '/delete', s);
  });
  document.getElementById('replay-all').addEventListener('click', () =>
    act('replay', 'Replay ALL dead letters in ' + state.dlq + ' back to the queues they failed on?', 'POST', base() + '/replay', { all: true }));
  document.getElementById('delete-all').addEventListener('click', () =>
    act('delete', 'Delete ALL dead letters in ' + state.dlq + ' for good?', 'POST', base() + '/delete', { all: true }));
}

// ---------------------------------------------------------------- shell

const views = { flows: renderFlows, queues: renderQueues, 'dead-letters': renderDeadLetters };

async function refresh() {
  // one refresh at a time: a slow answer must not be overtaken (and overwritten) by an older one
  if (state.busy) return;
  if (state.refreshing) { state.again = true; return; }
  state.refreshing = true;
  const view = state.view;
  try {
    await views[view]();
    if (view === state.view) showProblem(null);
    document.getElementById('refreshed').textContent = 'updated ' + new Date().toLocaleTimeString();
  } catch (e) {
    showProblem(e);
  } finally {
    state.refreshing = false;
    if (state.again) { state.again = false; refresh(); }
  }
}

function show() {
  const view = (location.hash || '#flows').slice(1);
  state.view = views[view] ? view : 'flows';
  for (const v of Object.keys(views)) document.getElementById('view-' + v).hidden = v !== state.view;
  for (const a of document.querySelectorAll('nav a')) a.classList.toggle('active', a.dataset.view === state.view);
  refresh();
}

function wireToken() {
  document.getElementById('token-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const value = document.getElementById('token-input').value.trim();
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    document.getElementById('who').textContent = 'pasted token';
    document.getElementById('token-box').open = false;
    refresh();
  });
  document.getElementById('token-clear').addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    document.getElementById('token-input').value = '';
    document.getElementById('token-box').open = false;
    state.minted = null;
    refresh();
  });
  if (sessionStorage.getItem(TOKEN_KEY)) document.getElementById('who').textContent = 'pasted token';
}

document.getElementById('every').textContent = REFRESH_SECONDS;
wireToken();
wireDeadLetters();
window.addEventListener('hashchange', show);
show();
setInterval(() => { if (document.getElementById('auto-refresh').checked) refresh(); }, REFRESH_SECONDS * 1000);
