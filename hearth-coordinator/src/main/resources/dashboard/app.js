// SPDX-License-Identifier: Apache-2.0
// Hearth dashboard: a single page over the coordinator's /v1 API, authenticated by the session cookie that
// POST /dashboard/session sets. Data is only ever put into the page as text (never as HTML). Live updates come from
// the /v1/events stream: each "change" re-reads the page shown.
'use strict';

const STATES = ['queued', 'leased', 'running', 'verifying', 'completed', 'failed', 'cancelled', 'unplaceable',
  'redundant'];
let session = null;          // {role, name, csrf, expiresAt}
let events = null;           // the EventSource
let logTimer = null;         // live log polling of the job page
let rendering = false;
let pending = false;

// ---- DOM helpers ---------------------------------------------------------------------------------------------
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k.startsWith('on')) el.addEventListener(k.substring(2), v);
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}
const $ = id => document.getElementById(id);
const link = (href, text) => h('a', {href}, text);
const stateTag = s => h('span', {class: 'state state-' + String(s).split(':')[0]}, s);
const when = t => t ? new Date(t).toLocaleString() : '—';
function table(label, heads, rows, id) {
  return h('table', {id, 'aria-label': label},
    h('thead', {}, h('tr', {}, heads.map(x => h('th', {scope: 'col', class: x.num ? 'num' : null}, x.name || x)))),
    h('tbody', {}, rows.length ? rows.map(r => h('tr', {}, r.map((c, i) =>
      h('td', {class: heads[i] && heads[i].num ? 'num' : null}, c))))
      : h('tr', {}, h('td', {colspan: heads.length, class: 'muted'}, 'None.'))));
}
// An element a live re-render must not replace (a form being filled in, an open disclosure): the one already shown
// for the same route is reused, with its state, instead of a new one.
function kept(id, make) {
  const old = document.getElementById(id);
  if (old && old.dataset.route === location.hash) return old;
  const el = make();
  el.id = id;
  el.dataset.route = location.hash;
  return el;
}
function facts(pairs) {
  return h('dl', {class: 'facts'}, pairs.filter(p => p[1] !== undefined && p[1] !== null)
    .flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

// ---- API -----------------------------------------------------------------------------------------------------
class ApiError extends Error {
  constructor(status, body) { super(body && (body.detail || body.message) ? (body.detail || body.message) : 'HTTP ' + status); this.status = status; }
}
async function api(path, options = {}) {
  const headers = {'Accept': 'application/json'};
  if (options.method && options.method !== 'GET') headers['X-Hearth-CSRF'] = session ? session.csrf : '';
  if (options.body) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, {credentials: 'same-origin', ...options, headers});
  if (res.status === 401) { showLogin('Your session ended: log in again.'); throw new ApiError(401, null); }
  const text = await res.text();
  if (!res.ok) { let b = null; try { b = JSON.parse(text); } catch (e) { /* not JSON */ } throw new ApiError(res.status, b); }
  if (options.raw) return {text, headers: res.headers};
  return text ? JSON.parse(text) : null;
}
async function tryApi(path) {
  try { return await api(path); } catch (e) { if (e.status === 401) throw e; return {error: e.message}; }
}

// ---- session -------------------------------------------------------------------------------------------------
function showLogin(message) {
  session = null;
  if (events) { events.close(); events = null; }
  $('nav').hidden = true; $('logout').hidden = true; $('who').textContent = ''; $('live').textContent = '';
  $('view').replaceChildren();
  $('login').hidden = false;
  $('login-error').textContent = message || '';
  $('login-key').focus();
}
async function loggedIn(s) {
  session = s;
  $('login').hidden = true; $('nav').hidden = false; $('logout').hidden = false;
  $('who').textContent = s.name + ' (' + s.role + ')';
  listen();
  if (!location.hash || location.hash === '#/') location.hash = '#/overview'; else await render();
}
async function start() {
  $('login-form').addEventListener('submit', async e => {
    e.preventDefault();
    const key = $('login-key').value;
    $('login-key').value = '';
    const res = await fetch('/dashboard/session', {method: 'POST', credentials: 'same-origin',
      headers: {'Content-Type': 'application/json'}, body: JSON.stringify({key})});
    const body = await res.json().catch(() => ({}));
    if (!res.ok) { $('login-error').textContent = body.message || 'Login refused.'; return; }
    await loggedIn(body);
  });
  $('logout').addEventListener('click', async () => {
    await fetch('/dashboard/session', {method: 'DELETE', credentials: 'same-origin',
      headers: {'X-Hearth-CSRF': session ? session.csrf : ''}});
    showLogin('Logged out.');
  });
  window.addEventListener('hashchange', () => render());
  const res = await fetch('/dashboard/session', {credentials: 'same-origin'});
  if (res.ok) await loggedIn(await res.json()); else showLogin('');
}

// ---- live updates --------------------------------------------------------------------------------------------
function listen() {
  if (events) events.close();
  events = new EventSource('/v1/events');
  events.addEventListener('open', () => { $('live').textContent = 'Live'; });
  events.addEventListener('change', () => { $('live').textContent = 'Live · updated ' + new Date().toLocaleTimeString(); render(); });
  events.addEventListener('heartbeat', () => {
    $('live').textContent = 'Live';
    const r = route();
    if (r.page === 'nodes' || r.page === 'instances' || r.page === 'overview') render();
  });
  events.addEventListener('error', () => { $('live').textContent = 'Reconnecting…'; });
}

// ---- routing -------------------------------------------------------------------------------------------------
function route() {
  const [path, query] = (location.hash.substring(1) || '/overview').split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  return {page: parts[0] || 'overview', id: parts[1], sub: parts[2], query: new URLSearchParams(query || '')};
}
async function render() {
  if (!session) return;
  if (rendering) { pending = true; return; }
  rendering = true;
  try {
    const r = route();
    for (const a of document.querySelectorAll('#nav a')) {
      if (a.id === 'nav-' + r.page) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
    }
    const pages = {overview, nodes: r.id ? node : nodes, jobs: r.id ? job : jobs,
      instances: r.sub ? instance : instances, ledger};
    const page = pages[r.page] || overview;
    const content = await page(r);
    if (content) {
      const focused = document.activeElement && document.activeElement.id;
      $('view').replaceChildren(content);
      if (focused && $(focused)) $(focused).focus();
    }
  } catch (e) {
    if (e.status !== 401) $('view').replaceChildren(h('p', {class: 'error', role: 'alert'}, e.message));
  } finally {
    rendering = false;
    if (pending) { pending = false; render(); }
  }
}
function refused(title, result) {
  return h('div', {}, h('h1', {}, title), h('p', {class: 'error', role: 'alert'}, result.error));
}

// ---- charts (inline SVG) -------------------------------------------------------------------------------------
const SVG = 'http://www.w3.org/2000/svg';
function svg(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  for (const c of children) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}
function barChart(id, title, labels, series) {
  // series: [{name, values, color}] drawn side by side per label; a table under it holds the same figures
  const w = 600, hgt = 170, pad = 28, max = Math.max(1, ...series.flatMap(s => s.values));
  const slot = (w - pad * 2) / labels.length, bar = Math.max(2, slot / (series.length + 1));
  const chart = svg('svg', {class: 'chart', id, viewBox: `0 0 ${w} ${hgt}`, role: 'img', 'aria-labelledby': id + '-t'},
    svg('title', {id: id + '-t'}, title));
  chart.append(svg('text', {x: 4, y: 12}, String(max)), svg('text', {x: 4, y: hgt - pad + 4}, '0'));
  labels.forEach((label, i) => {
    series.forEach((s, j) => {
      const v = s.values[i] || 0, bh = (hgt - pad * 2) * v / max;
      chart.append(svg('rect', {x: pad + i * slot + j * bar, y: hgt - pad - bh, width: bar - 1, height: bh,
        fill: s.color}, svg('title', {}, `${s.name} ${label}: ${v}`)));
    });
    if (i % 3 === 0) chart.append(svg('text', {x: pad + i * slot, y: hgt - 8}, label));
  });
  series.forEach((s, j) => chart.append(svg('rect', {x: w - 150, y: 6 + j * 14, width: 9, height: 9, fill: s.color}),
    svg('text', {x: w - 137, y: 14 + j * 14}, s.name)));
  const data = table(title + ' (figures)', ['Time'].concat(series.map(s => s.name)),
    labels.map((l, i) => [l].concat(series.map(s => s.values[i] || 0))));
  data.classList.add('sr-only');
  return h('figure', {}, chart, data);
}

// ---- pages ---------------------------------------------------------------------------------------------------
async function overview() {
  const o = await tryApi('/v1/overview');
  if (o.error) return refused('Overview', o);
  const cards = [];
  if (o.nodes) {
    cards.push(h('div', {class: 'card', id: 'nodes-online'}, h('span', {class: 'n'}, o.nodes.online), 'nodes online'));
    cards.push(h('div', {class: 'card', id: 'nodes-lost'}, h('span', {class: 'n'}, o.nodes.lost), 'nodes lost'));
  }
  for (const s of STATES) {
    if (o.jobs[s] || ['queued', 'running', 'completed', 'failed'].includes(s)) {
      cards.push(h('div', {class: 'card', id: 'jobs-' + s}, h('span', {class: 'n'}, o.jobs[s] || 0), 'jobs ' + s));
    }
  }
  cards.push(h('div', {class: 'card', id: 'money-moved'}, h('span', {class: 'n'}, o.money.moved), 'credits moved (1 h)'));
  const labels = o.buckets.map(b => new Date(b.start).toLocaleTimeString([], {hour: '2-digit', minute: '2-digit'}));
  const verdicts = Object.entries(o.verdicts).map(([k, v]) => [stateTag(k), v]);
  const kinds = Object.entries(o.money.byKind).map(([k, v]) => [k, v]);
  return h('div', {},
    h('h1', {}, o.scope === 'client' ? 'Your overview' : 'Network overview'),
    h('div', {class: 'cards'}, cards),
    h('div', {class: 'grid2'},
      h('section', {}, h('h2', {}, 'Throughput, last hour (jobs per 5 minutes)'),
        barChart('chart-throughput', 'Jobs submitted and finished per 5 minutes', labels, [
          {name: 'submitted', values: o.buckets.map(b => b.submitted), color: '#0b5cad'},
          {name: 'finished', values: o.buckets.map(b => b.finished), color: '#17692e'},
          {name: 'failed', values: o.buckets.map(b => b.failed), color: '#a1161b'}])),
      h('section', {}, h('h2', {}, 'Latency, submit to final (ms)'),
        barChart('chart-latency', 'Job latency from submission to final state, median and 95th percentile', labels, [
          {name: 'p50', values: o.buckets.map(b => b.p50Millis || 0), color: '#0b5cad'},
          {name: 'p95', values: o.buckets.map(b => b.p95Millis || 0), color: '#7a4b00'}]))),
    h('div', {class: 'grid2'},
      h('section', {}, h('h2', {}, 'Verification verdicts, last hour'), table('Verdicts', ['Outcome', {name: 'Jobs', num: true}], verdicts, 'verdicts')),
      h('section', {}, h('h2', {}, 'Money moved, last hour'), table('Money moved by kind', ['Kind', {name: 'Credits', num: true}], kinds))),
    h('p', {class: 'muted'}, `From the newest ${o.sampled} jobs of the last hour, as of ${when(o.generatedAt)}.`));
}

async function nodes() {
  const d = await tryApi('/v1/nodes?limit=500');
  if (d.error) return refused('Nodes', d);
  return h('div', {}, h('h1', {}, 'Nodes'),
    table('Nodes', ['Node', 'Host', 'State', 'GPUs', {name: 'Jobs (load)', num: true}, {name: 'Reputation', num: true},
      {name: 'Stake', num: true}, 'Last heartbeat'], d.nodes.map(n => [
      link('#/nodes/' + encodeURIComponent(n.id), n.id), n.hostname,
      stateTag(n.cordoned ? n.state + (n.draining ? ' (draining)' : ' (cordoned)') : n.state),
      n.gpus.length ? n.gpus.map(g => g.model).join(', ') : 'none', n.jobs,
      n.reputation === undefined ? '—' : n.reputation, n.stake,
      n.lastHeartbeat ? when(n.lastHeartbeat) + ` (${n.lastHeartbeatAgeSeconds} s ago)` : '—']), 'nodes-table'));
}

async function node(r) {
  const n = await tryApi('/v1/nodes/' + encodeURIComponent(r.id));
  if (n.error) return refused('Node ' + r.id, n);
  const js = await tryApi('/v1/jobs?limit=500');
  const mine = js.error ? null : js.jobs.filter(j => j.nodeId === n.id || (j.result && j.result.nodeId === n.id));
  return h('div', {}, h('h1', {}, 'Node ' + n.id),
    facts([['Host', n.hostname], ['State', stateTag(n.state)], ['Connected', n.connected ? 'yes' : 'no'],
      ['CPUs', n.cpus], ['Memory', Math.round(n.memoryBytes / 1048576) + ' MiB'], ['Runtimes', (n.runtimes || []).join(', ')],
      ['GPUs', n.gpus.length ? n.gpus.map(g => `#${g.index} ${g.model} ${g.vramTotalMib} MiB`).join('; ') : 'none'],
      ['Jobs now', n.jobs], ['Reputation', n.reputation], ['Stake', n.stake], ['Balance', n.balance],
      ['Last heartbeat', when(n.lastHeartbeat)], ['Agent', n.agentVersion + ' (protocol ' + n.protocol + ')'],
      ['Key fingerprint', n.keyFingerprint], ['Cordoned', n.cordoned ? (n.cordonReason || 'yes') : 'no']]),
    h('h2', {}, 'Jobs on this node'),
    mine ? jobTable(mine) : h('p', {class: 'muted'}, 'Jobs are not readable with this key: ' + js.error),
    h('h2', {}, 'Instances'),
    instanceTable((n.instances || []).map(i => ({...i, nodeId: n.id}))));
}

function jobTable(list) {
  return table('Jobs', ['Job', 'State', 'Client', 'Node', {name: 'Epoch', num: true}, 'Verdict', 'Submitted'],
    list.map(j => [link('#/jobs/' + encodeURIComponent(j.id), j.id.substring(0, 8)), stateTag(j.state),
      (j.account || '').replace(/^client:/, ''), j.nodeId ? link('#/nodes/' + encodeURIComponent(j.nodeId), j.nodeId) : '—',
      j.epoch, j.verdict ? stateTag(j.verdict.outcome) : '—', when(j.submittedAt)]), 'jobs-table');
}

async function jobs(r) {
  const state = r.query.get('state') || '', client = r.query.get('client') || '', nodeId = r.query.get('node') || '';
  const d = await tryApi('/v1/jobs?limit=500' + (state ? '&state=' + encodeURIComponent(state) : ''));
  if (d.error) return refused('Jobs', d);
  const list = d.jobs.filter(j => (!client || (j.account || '') === 'client:' + client)
    && (!nodeId || j.nodeId === nodeId));
  const filter = kept('job-filter', () => h('form', {class: 'inline', role: 'search', 'aria-label': 'Filter jobs',
    onsubmit: e => {
      e.preventDefault();
      const q = new URLSearchParams();
      for (const k of ['state', 'client', 'node']) { const v = $('filter-' + k).value.trim(); if (v) q.set(k, v); }
      location.hash = '#/jobs' + (q.toString() ? '?' + q : '');
    }},
    h('div', {}, h('label', {for: 'filter-state'}, 'State'),
      h('select', {id: 'filter-state'}, h('option', {value: ''}, 'any'),
        STATES.map(s => h('option', {value: s, selected: s === state}, s)))),
    h('div', {}, h('label', {for: 'filter-client'}, 'Client'), h('input', {id: 'filter-client', value: client})),
    h('div', {}, h('label', {for: 'filter-node'}, 'Node'), h('input', {id: 'filter-node', value: nodeId})),
    h('button', {type: 'submit'}, 'Filter')));
  const submit = kept('submit-box', () => h('details', {},
    h('summary', {}, 'Submit a job'),
    h('form', {id: 'submit-form', onsubmit: async e => {
      e.preventDefault();
      try {
        const job = await api('/v1/jobs', {method: 'POST', body: $('submit-doc').value});
        location.hash = '#/jobs/' + encodeURIComponent(job.id);
      } catch (err) { $('submit-error').textContent = err.message; }
    }},
      h('label', {for: 'submit-doc'}, 'Job document (JSON)'),
      h('textarea', {id: 'submit-doc', spellcheck: 'false'}, '{"image":"hearth/job","command":["echo","hello"]}'),
      h('button', {type: 'submit', id: 'submit-job'}, 'Submit'),
      h('p', {id: 'submit-error', class: 'error', role: 'alert'}))));
  return h('div', {}, h('h1', {}, 'Jobs'), filter, submit,
    h('p', {class: 'muted'}, `${list.length} of the newest ${d.jobs.length} jobs${d.next ? ' (more exist)' : ''}.`),
    jobTable(list));
}

async function job(r) {
  const id = encodeURIComponent(r.id);
  const j = await tryApi('/v1/jobs/' + id);
  if (j.error) return refused('Job ' + r.id, j);
  const [spec, places] = await Promise.all([tryApi('/v1/jobs/' + id + '/spec'), tryApi('/v1/jobs/' + id + '/placements')]);
  let receipt = null;
  if (j.result && j.result.signed) {
    try { receipt = (await api('/v1/jobs/' + id + '/receipt', {raw: true})).text; } catch (e) { receipt = e.message; }
  }
  const live = ['queued', 'leased', 'running'].includes(j.state);
  const logs = h('pre', {id: 'job-logs', tabindex: '0', 'aria-label': 'Job logs'}, '');
  await fillLogs(r.id, logs, live);
  const cancel = live ? h('button', {type: 'button', id: 'cancel-job', class: 'secondary', onclick: async () => {
    try { await api('/v1/jobs/' + id + '/cancel', {method: 'POST'}); render(); }
    catch (e) { alert(e.message); }
  }}, 'Cancel job') : null;
  const v = j.verdict;
  return h('div', {}, h('h1', {}, 'Job ', h('span', {id: 'job-id'}, j.id)),
    facts([['State', h('span', {id: 'job-state'}, stateTag(j.state))], ['Reason', j.reason], ['Client', j.account],
      ['Node', j.nodeId ? link('#/nodes/' + encodeURIComponent(j.nodeId), j.nodeId) : undefined],
      ['Epoch', j.epoch], ['Attempts', j.attempts + ' of ' + (j.maxRetries + 1)], ['Price', j.price],
      ['Payment', j.payment], ['Submitted', when(j.submittedAt)], ['Updated', when(j.updatedAt)]]),
    cancel,
    h('h2', {}, 'Spec'),
    spec.error ? h('p', {class: 'muted'}, spec.error) : facts([['Image', spec.image], ['Command', JSON.stringify(spec.command)],
      ['Environment', Object.entries(spec.env || {}).map(([k, x]) => k + '=' + x).join(' ') || 'none'],
      ['Secrets', spec.secrets.length ? spec.secrets.join(', ') + ' (values hidden)' : 'none'],
      ['Files', spec.files.map(f => `${f.path} (${f.bytes} B)`).join(', ') || 'none'],
      ['Limits', `memory ${spec.memory}, cpus ${spec.cpus}, pids ${spec.pids}, timeout ${spec.timeoutSeconds} s, gpus ${spec.gpus}`],
      ['Network', JSON.stringify(spec.network)]]),
    h('h2', {}, 'Placements'),
    places.error ? h('p', {class: 'muted'}, places.error) : table('Placements', [{name: 'Epoch', num: true}, 'Node', 'Granted',
      'Deadline', 'Result', 'Live'], places.placements.map(p => [p.epoch, p.nodeId, when(p.grantedAt),
      when(p.deadline), p.resultAt ? when(p.resultAt) : '—', p.live ? 'yes' : 'no']), 'placements'),
    h('h2', {}, live ? 'Logs (live)' : 'Logs'), logs,
    h('h2', {}, 'Result'),
    j.result ? facts([['Status', h('span', {id: 'result-status'}, stateTag(j.result.status))], ['Exit code', j.result.exitCode],
      ['Duration', j.result.durationMillis + ' ms'], ['Node', j.result.nodeId], ['Epoch', j.result.epoch],
      ['Logs hash', j.result.logsHash], ['Hashes hold', j.result.hashesHold ? 'yes' : 'no'],
      ['Signed', j.result.signed ? 'yes' : 'no'], ['Message', j.result.message]]) : h('p', {class: 'muted'}, 'No result yet.'),
    h('h2', {}, 'Verdict'),
    v ? h('div', {id: 'verdict'}, facts([['Outcome', h('span', {id: 'verdict-outcome'}, stateTag(v.outcome))],
      ['Failed check', v.failedCheck], ['Detail', v.detail], ['Decided', when(v.decidedAt)]]),
      table('Oracle checks', ['Check', 'Outcome', 'Detail'], v.checks.map(c => [c.name, stateTag(c.outcome), c.detail]), 'checks'))
      : h('p', {class: 'muted'}, 'No verdict yet.'),
    h('h2', {}, 'Receipt'),
    receipt ? h('pre', {id: 'receipt', tabindex: '0', 'aria-label': 'Signed receipt'}, receipt)
      : h('p', {class: 'muted'}, 'No signed receipt yet.'));
}

async function fillLogs(jobId, pre, live) {
  clearInterval(logTimer);
  const read = async () => {
    try {
      const r = await api('/v1/jobs/' + encodeURIComponent(jobId) + '/logs', {raw: true});
      pre.textContent = r.text || '(no output yet)';
      if (r.headers.get('Hearth-Log-Complete') === 'true') clearInterval(logTimer);
    } catch (e) { pre.textContent = e.message; clearInterval(logTimer); }
  };
  await read();
  if (live) logTimer = setInterval(() => { if (route().id === jobId && document.body.contains(pre)) read(); else clearInterval(logTimer); }, 2000);
}

function instanceTable(list) {
  return table('Instances', ['Instance', 'Node', 'Runtime', 'State', 'Health', {name: 'Restarts', num: true},
    'Last exit', 'Created'], list.map(i => [i.nodeId ? link('#/instances/' + encodeURIComponent(i.nodeId) + '/'
    + encodeURIComponent(i.id), i.id) : i.id, i.nodeId ? link('#/nodes/' + encodeURIComponent(i.nodeId), i.nodeId) : '—',
    i.runtime, stateTag(i.state), i.health, i.restarts, i.lastExit || '—', when(i.createdAt)]), 'instances-table');
}

async function instances() {
  const d = await tryApi('/v1/instances');
  if (d.error) return refused('Instances', d);
  return h('div', {}, h('h1', {}, 'Instances'), instanceTable(d.instances),
    h('p', {class: 'muted'}, 'Open an instance for its details and the tail of its log, read from its node.'));
}

async function instance(r) {
  const d = await tryApi('/v1/instances');
  if (d.error) return refused('Instance ' + r.sub, d);
  const i = d.instances.find(x => x.nodeId === r.id && x.id === r.sub);
  if (!i) return refused('Instance ' + r.sub, {error: 'No instance ' + r.sub + ' on node ' + r.id + ' is visible to this key.'});
  const logs = h('pre', {id: 'instance-logs', tabindex: '0', 'aria-label': 'Instance log (tail)'}, '');
  await fillInstanceLogs(r, logs);
  return h('div', {}, h('h1', {}, 'Instance ', h('span', {id: 'instance-id'}, i.id)),
    facts([['Node', link('#/nodes/' + encodeURIComponent(i.nodeId), i.nodeId)], ['Node connected', i.nodeConnected ? 'yes' : 'no'],
      ['Runtime', i.runtime], ['Desired', i.desired], ['State', stateTag(i.state)], ['Health', i.health], ['Proxy', i.proxy],
      ['Host port', i.hostPort], ['Restarts', i.restarts], ['Last exit', i.lastExit], ['Owner', i.owner],
      ['Created', when(i.createdAt)], ['Reported', when(i.reportedAt)]]),
    h('h2', {}, 'Log (last 200 lines, refreshed every 5 s)'), logs);
}

async function fillInstanceLogs(r, pre) {
  clearInterval(logTimer);
  const path = '/v1/nodes/' + encodeURIComponent(r.id) + '/instances/' + encodeURIComponent(r.sub) + '/logs';
  const read = async () => {
    try { pre.textContent = (await api(path, {raw: true})).text || '(no output yet)'; }
    catch (e) { pre.textContent = e.message; }
  };
  await read();
  logTimer = setInterval(() => {
    const now = route();
    if (now.page === 'instances' && now.sub === r.sub && document.body.contains(pre)) read(); else clearInterval(logTimer);
  }, 5000);
}

async function ledger() {
  const admin = session.role === 'admin';
  const own = 'client:' + session.name;
  const accounts = admin ? await tryApi('/v1/ledger/accounts?limit=500') : await tryApi('/v1/ledger/accounts/' + encodeURIComponent(own));
  const transfers = await tryApi('/v1/ledger/transfers?limit=200' + (admin ? '' : '&account=' + encodeURIComponent(own)));
  const list = accounts.error ? [] : (accounts.accounts || [accounts]);
  const rows = transfers.error ? [] : transfers.transfers.slice().reverse();
  const exportLinks = admin ? h('p', {}, 'Export: ', link('/v1/ledger/export?format=csv', 'CSV'), ' · ',
    link('/v1/ledger/export?format=json', 'JSON'))
    : h('p', {}, h('button', {type: 'button', id: 'export-own', onclick: () => {
      const csv = ['seq,kind,from,to,amount,job,at'].concat(rows.map(t => [t.seq, t.kind, t.from, t.to, t.amount,
        t.jobId || '', t.time].join(','))).join('\n');
      const a = h('a', {href: URL.createObjectURL(new Blob([csv], {type: 'text/csv'})), download: 'ledger.csv'});
      document.body.append(a); a.click(); a.remove();
    }}, 'Export these entries (CSV)'));
  return h('div', {}, h('h1', {}, 'Ledger'),
    h('h2', {}, 'Balances'), accounts.error ? h('p', {class: 'muted'}, accounts.error)
      : table('Balances', ['Account', {name: 'Balance', num: true}], list.map(a => [a.id, a.balance]), 'balances'),
    h('h2', {}, 'Entries'), exportLinks, transfers.error ? h('p', {class: 'muted'}, transfers.error)
      : table('Ledger entries', [{name: 'Seq', num: true}, 'Kind', 'From', 'To', {name: 'Amount', num: true}, 'Job', 'At'],
        rows.map(t => [t.seq, t.kind, t.from, t.to, t.amount, t.jobId ? link('#/jobs/' + encodeURIComponent(t.jobId),
          t.jobId.substring(0, 8)) : '—', when(t.time)]), 'transfers'));
}

document.addEventListener('DOMContentLoaded', start);
