// mppd's live page: reads /api/devices and /api/devices/<name>/history
// and draws them.  No library, no external resource; every text from the
// API goes in with textContent, never as markup.
'use strict';

const REFRESH_MS = 5000;
const HISTORY_MS = 30000;
const GROUPS = ['Grid', 'Output', 'Battery', 'PV', 'Status'];
const SERIES = [
  { key: 'pv_w', label: 'PV W', color: '--pv' },
  { key: 'load_w', label: 'Load W', color: '--load' },
  { key: 'grid_w', label: 'Grid W', color: '--grid' },
  { key: 'battery_w', label: 'Battery W', color: '--batt' },
  { key: 'battery_pct', label: 'Battery %', color: '--pct', right: true },
];
const cards = new Map();	// device name -> { el, parts, history }
let fetchedAt = 0;

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function groupOf(name) {
  const n = name.toLowerCase();
  if (n.includes('battery') || n.includes('bms') || n.includes('cell')) return 'Battery';
  if (n.includes('pv') || n.includes('solar')) return 'PV';
  if (n.includes('ac input') || n.includes('grid') || n.includes('mains')) return 'Grid';
  if (n.includes('output') || n.includes('load')) return 'Output';
  return 'Status';
}

function hidden(name) {
  return name.startsWith('_') || name === 'raw_response';
}

function fmtValue(v) {
  if (v === null) return '\u2014';
  if (typeof v === 'number') return String(v);
  return String(v);
}

function fmtAge(s) {
  if (s === null || s === undefined) return 'no reading yet';
  if (s < 90) return 'updated ' + Math.max(0, Math.round(s)) + ' s ago';
  if (s < 5400) return 'updated ' + Math.round(s / 60) + ' min ago';
  return 'updated ' + Math.round(s / 3600) + ' h ago';
}

function card(name) {
  let c = cards.get(name);
  if (c) return c;
  const root = el('section', 'device');
  root.dataset.device = name;
  const h = el('h2');
  const title = el('span', 'name', name);
  const badge = el('span', 'badge', 'unknown');
  const age = el('span', 'age');
  h.append(title, badge, age);
  const groups = el('div', 'groups');
  const chart = el('div', 'chart');
  const canvas = el('canvas');
  canvas.setAttribute('aria-label', 'last hour of ' + name);
  const legend = el('div', 'legend');
  for (const s of SERIES) {
    const item = el('span');
    const sw = el('i');
    sw.style.background = 'var(' + s.color + ')';
    item.append(sw, document.createTextNode(s.label));
    legend.append(item);
  }
  chart.append(canvas, legend);
  root.append(h, chart, groups);
  document.getElementById('devices').append(root);
  c = { root, badge, age, groups, canvas, history: null, lastPoll: null, ageBase: null };
  cards.set(name, c);
  return c;
}

function renderDevice(d) {
  const c = card(d.name);
  c.badge.className = 'badge' + (d.online === true ? ' online' : d.online === false ? ' offline' : '');
  c.badge.textContent = d.online === true ? 'online' : d.online === false ? 'offline' : 'unknown';
  c.ageBase = d.age_seconds;
  const byGroup = new Map(GROUPS.map((g) => [g, []]));
  const seen = new Set();
  for (const r of d.results) {
    if (r.status !== 'ok') continue;
    for (const v of r.values) {
      if (hidden(v.name)) continue;
      // a name a former command showed already: say which command this is
      const from = seen.has(v.name) ? r.command : '';
      seen.add(v.name);
      byGroup.get(groupOf(v.name)).push({ ...v, from });
    }
  }
  c.groups.replaceChildren();
  for (const [g, vals] of byGroup) {
    if (vals.length === 0) continue;
    const box = el('div', 'group');
    box.dataset.group = g.toLowerCase();
    box.append(el('h3', '', g));
    const t = el('table');
    for (const v of vals) {
      const tr = el('tr');
      const val = el('td', 'v', fmtValue(v.value));
      if (v.unit && v.unit !== 'bool') val.append(' ', el('span', 'unit', v.unit));
      const key = el('td', 'k', v.name);
      if (v.from) key.append(' ', el('span', 'unit', v.from));
      tr.append(key, val);
      t.append(tr);
    }
    box.append(t);
    c.groups.append(box);
  }
  if (c.groups.childElementCount === 0)
    c.groups.append(el('p', 'age', 'no values yet'));
}

function tickAges() {
  const extra = (Date.now() - fetchedAt) / 1000;
  for (const c of cards.values())
    c.age.textContent = fmtAge(c.ageBase === null ? null : c.ageBase + extra);
}

function fmtW(v) {
  return Math.abs(v) >= 1000 ? (v / 1000).toFixed(1) + ' kW' : Math.round(v) + ' W';
}

function cssVar(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

function drawChart(c) {
  const cv = c.canvas, h = c.history;
  const ratio = window.devicePixelRatio || 1;
  const w = cv.clientWidth, ht = cv.clientHeight;
  if (w === 0 || ht === 0) return;
  cv.width = Math.round(w * ratio);
  cv.height = Math.round(ht * ratio);
  const g = cv.getContext('2d');
  g.setTransform(ratio, 0, 0, ratio, 0, 0);
  g.clearRect(0, 0, w, ht);
  const pad = { l: 46, r: 34, t: 8, b: 18 };
  const pw = w - pad.l - pad.r, ph = ht - pad.t - pad.b;
  const rows = h ? h.samples : [];
  const now = h ? h.time : Date.now() / 1000;
  // the last hour, or less while mppd has not run that long (5 min at least)
  const span = Math.min(3600, Math.max(300, rows.length ? now - rows[0][0] : 0));
  const t0 = now - span;
  let lo = 0, hi = 10;
  for (const row of rows)
    for (let i = 1; i <= 4; i++)
      if (row[i] !== null) { lo = Math.min(lo, row[i]); hi = Math.max(hi, row[i]); }
  hi *= 1.05;
  const x = (t) => pad.l + ((t - t0) / span) * pw;
  const yl = (v) => pad.t + ph - ((v - lo) / (hi - lo)) * ph;
  const yr = (v) => pad.t + ph - (v / 100) * ph;
  g.font = '11px system-ui, sans-serif';
  g.fillStyle = cssVar('--dim');
  g.strokeStyle = 'rgba(128,128,128,.25)';
  g.lineWidth = 1;
  for (let k = 0; k <= 4; k++) {
    const v = lo + ((hi - lo) * k) / 4, yy = yl(v);
    g.beginPath(); g.moveTo(pad.l, yy); g.lineTo(pad.l + pw, yy); g.stroke();
    g.textAlign = 'right'; g.fillText(fmtW(v), pad.l - 4, yy + 4);
    g.textAlign = 'left'; g.fillText(25 * k + '%', pad.l + pw + 4, yr(25 * k) + 4);
  }
  g.textAlign = 'center';
  for (let k = 0; k <= 4; k++) {
    const ago = Math.round((span * (4 - k)) / 4 / 60);
    g.textAlign = k === 0 ? 'left' : k === 4 ? 'right' : 'center';
    g.fillText(k === 4 ? 'now' : '-' + ago + ' min', x(t0 + (span * k) / 4), ht - 4);
  }
  SERIES.forEach((s, i) => {
    g.strokeStyle = cssVar(s.color);
    g.lineWidth = 1.6;
    g.beginPath();
    let pen = false;
    for (const row of rows) {
      const v = row[i + 1];
      if (v === null || row[0] < t0) { pen = false; continue; }
      const px = x(row[0]), py = s.right ? yr(v) : yl(v);
      if (pen) g.lineTo(px, py); else g.moveTo(px, py);
      pen = true;
    }
    g.stroke();
  });
}

async function getJSON(url) {
  const r = await fetch(url, { cache: 'no-store' });
  if (!r.ok) throw new Error(url + ': HTTP ' + r.status);
  return r.json();
}

async function refresh() {
  const status = document.getElementById('status');
  try {
    const data = await getJSON('/api/devices');
    fetchedAt = Date.now();
    for (const d of data.devices) renderDevice(d);
    status.textContent = data.devices.length + ' device(s) \u00b7 ' +
      new Date(data.time * 1000).toLocaleTimeString();
    tickAges();
  } catch (e) {
    status.textContent = 'cannot reach mppd (' + e.message + ')';
  }
}

async function refreshHistory() {
  for (const [name, c] of cards) {
    try {
      c.history = await getJSON('/api/devices/' + encodeURIComponent(name) + '/history');
    } catch (e) {
      c.history = null;
    }
    drawChart(c);
  }
}

async function start() {
  await refresh();
  await refreshHistory();
  setInterval(refresh, REFRESH_MS);
  setInterval(refreshHistory, HISTORY_MS);
  setInterval(tickAges, 1000);
  window.addEventListener('resize', () => { for (const c of cards.values()) drawChart(c); });
}

start();
