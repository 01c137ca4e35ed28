// DOM helpers for the mls web UI. Every piece of data reaches the page through h()'s text
// children or attributes (textContent / setAttribute), never through innerHTML: a name, URL or
// error message that contains markup is shown as text and never runs.

// h('div', {class: 'x', onclick: fn}, 'text', child, [more]) → an element.
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

export function svg(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v != null) el.setAttribute(k, String(v));
  for (const c of children) if (c) el.append(c);
  return el;
}

function setAttrs(el, attrs) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

// Icons: stroked 24×24 paths (aria-hidden; the button carries the label).
const ICONS = {
  trash: 'M4 7h16M10 11v6M14 11v6M6 7l1 13h10l1-13M9 7V4h6v3',
  play: 'M7 5v14l12-7z',
  stop: 'M7 7h10v10H7z',
  eye: 'M2 12s3.5-7 10-7 10 7 10 7-3.5 7-10 7S2 12 2 12zM12 9a3 3 0 1 0 0 6 3 3 0 0 0 0-6z',
  rec: 'M12 7a5 5 0 1 0 0 10 5 5 0 0 0 0-10z',
  download: 'M12 4v11M7 10l5 5 5-5M5 20h14',
  plus: 'M12 5v14M5 12h14',
  graph: 'M4 6h6v4H4zM14 14h6v4h-6zM7 10v6h7',
};

export function icon(name) {
  return svg('svg', {viewBox: '0 0 24 24', 'aria-hidden': 'true'}, svg('path', {d: ICONS[name]}));
}

export function iconButton(name, label, onclick, extra = {}) {
  return h('button', {type: 'button', class: 'icon-btn ' + (extra.class || ''), 'aria-label': label,
                      title: label, onclick, disabled: extra.disabled}, icon(name));
}

export function badge(state, text) {
  return h('span', {class: 'badge', 'data-state': state}, text ?? state);
}

// Formatting
export function fmtBitrate(bps) {
  if (!bps || bps < 1) return '–';
  if (bps >= 1e6) return (bps / 1e6).toFixed(bps >= 1e7 ? 1 : 2) + ' Mb/s';
  return Math.round(bps / 1e3) + ' kb/s';
}
export function fmtBytes(n) {
  if (n == null) return '–';
  if (n < 1024) return n + ' B';
  const u = ['KiB', 'MiB', 'GiB', 'TiB'];
  let i = -1;
  do { n /= 1024; i++; } while (n >= 1024 && i < u.length - 1);
  return n.toFixed(n >= 100 ? 0 : 1) + ' ' + u[i];
}
export function fmtDuration(s) {
  if (s == null || !isFinite(s) || s <= 0) return '–';
  s = Math.floor(s);
  const d = Math.floor(s / 86400), hh = Math.floor(s % 86400 / 3600), mm = Math.floor(s % 3600 / 60), ss = s % 60;
  if (d) return `${d}d ${hh}h`;
  if (hh) return `${hh}h ${String(mm).padStart(2, '0')}m`;
  return `${mm}:${String(ss).padStart(2, '0')}`;
}
export function fmtFps(f) { return f > 0 ? f.toFixed(f >= 10 ? 0 : 1) : '–'; }
export function fmtTime(iso) {
  if (!iso) return '–';
  const d = new Date(iso);
  return isNaN(d) ? String(iso) : d.toLocaleString(undefined, {dateStyle: 'short', timeStyle: 'medium'});
}

// A small toast that goes away by itself.
export function toast(message, bad = false) {
  const el = h('div', {class: 'toast' + (bad ? ' bad' : '')}, message);
  document.getElementById('toasts').append(el);
  setTimeout(() => el.remove(), bad ? 8000 : 4000);
}

// A bitrate sparkline of `values` (newest last) as an inline SVG.
export function sparkline(values, width = 96, height = 26) {
  const el = svg('svg', {class: 'spark', viewBox: `0 0 ${width} ${height}`, 'aria-hidden': 'true',
                         preserveAspectRatio: 'none'});
  updateSparkline(el, values, width, height);
  return el;
}
export function updateSparkline(el, values, width = 96, height = 26) {
  el.replaceChildren();
  if (!values || values.length < 2) return;
  const max = Math.max(...values, 1);
  const n = 60;
  const step = width / (n - 1);
  const start = n - values.length;
  const pts = values.map((v, i) => [(start + i) * step, height - 2 - (v / max) * (height - 4)]);
  const line = pts.map((p, i) => (i ? 'L' : 'M') + p[0].toFixed(1) + ' ' + p[1].toFixed(1)).join('');
  el.append(svg('path', {class: 'area', d: `${line}L${pts.at(-1)[0].toFixed(1)} ${height}L${pts[0][0].toFixed(1)} ${height}Z`}),
            svg('path', {class: 'line', d: line}));
}
