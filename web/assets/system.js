// The System view: mlsd's version, uptime, threads by owner, memory and file descriptors
// (GET /api/v1/system, read when the view opens or on Refresh — no polling), the running
// pipeline of an input as a picture (/debug/pipelines/<input>.svg, rendered by graphviz in
// mlsd) and its gst-launch-1.0 line with a copy button.
import {api, enc} from './api.js';
import {fmtBytes, fmtDuration, h, toast} from './dom.js';
import {onChange, sortedInputs, store} from './store.js';

const $ = (id) => document.getElementById(id);

function card(label, value, title) {
  return h('div', {class: 'card', title: title || null}, h('div', {class: 'label'}, label), h('div', {class: 'value'}, value));
}

let uptimeEl = null;

async function loadSystem() {
  try {
    const s = await api('GET', '/api/v1/system');
    uptimeEl = h('div', {class: 'value'}, fmtDuration(s.uptime_s));
    $('sys-cards').replaceChildren(
      card('Version', 'mls ' + s.version, 'GStreamer ' + s.gstreamer_version),
      card('GStreamer', s.gstreamer_version.replace(/^GStreamer\s*/, '')),
      h('div', {class: 'card'}, h('div', {class: 'label'}, 'Uptime'), uptimeEl),
      card('Threads', s.threads),
      card('Memory', fmtBytes(s.rss_bytes), `peak ${fmtBytes(s.peak_rss_bytes)}, heap ${fmtBytes(s.heap_bytes)}`),
      card('Peak memory', fmtBytes(s.peak_rss_bytes)),
      card('Open fds', s.fds?.total ?? s.open_fds ?? '–'));
    const owners = Object.entries(s.threads_by_owner || {}).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    $('sys-threads').tBodies[0].replaceChildren(...owners.map(([o, n]) => h('tr', null, h('td', null, o), h('td', {class: 'num'}, n))));
    const fds = s.fds || {};
    $('sys-fds').tBodies[0].replaceChildren(...['sockets', 'files', 'pipes', 'other', 'total'].map((k) =>
      h('tr', null, h('td', null, k), h('td', {class: 'num'}, fds[k] ?? '–'))));
  } catch (e) { toast(e.message, true); }
}

function fillInputs() {
  const select = $('sys-input');
  const current = select.value;
  const names = sortedInputs().map((i) => i.name);
  select.replaceChildren(...names.map((n) => h('option', {value: n}, n)));
  if (names.includes(current)) select.value = current;
  return select.value;
}

async function loadPipeline() {
  const name = $('sys-input').value;
  const img = $('sys-graph');
  const msg = $('sys-graph-msg');
  const pre = $('sys-launch');
  img.hidden = true;
  if (!name) { msg.textContent = 'No inputs.'; pre.textContent = ''; return; }
  pre.textContent = 'Loading…';
  try {
    const launch = await api('GET', `/api/v1/inputs/${enc(name)}/launch`);
    pre.textContent = launch.launch || '(no running pipeline)';
  } catch (e) { pre.textContent = e.message; }
  msg.textContent = 'Rendering the graph…';
  img.onload = () => { msg.textContent = ''; img.hidden = false; };
  img.onerror = async () => {
    try { await api('GET', `/debug/pipelines/${enc(name)}.svg`); msg.textContent = 'The graph cannot be shown.'; }
    catch (e) { msg.textContent = e.message; }
  };
  img.alt = `Pipeline graph of ${name}`;
  img.src = `/debug/pipelines/${enc(name)}.svg?t=${Date.now()}`;
}

export function initSystem() {
  $('sys-refresh').addEventListener('click', () => { loadSystem(); loadPipeline(); });
  $('sys-input').addEventListener('change', loadPipeline);
  $('sys-copy').addEventListener('click', async () => {
    const text = $('sys-launch').textContent;
    try {
      await navigator.clipboard.writeText(text);
      toast('Copied');
    } catch {
      const range = document.createRange();
      range.selectNodeContents($('sys-launch'));
      getSelection().removeAllRanges();
      getSelection().addRange(range);
      toast('Selected: press Ctrl+C to copy');
    }
  });
  onChange('stats', () => { if (uptimeEl && store.process) uptimeEl.textContent = fmtDuration(store.process.uptime_s); });
  onChange('structure', () => {
    if ($('view-system').hidden) return;
    const before = $('sys-input').value;
    // The list arrived after the view opened (a direct link to #system): show the first input.
    if (fillInputs() !== before) loadPipeline();
  });
}

export function showSystem() {
  loadSystem();
  fillInputs();
  loadPipeline();
}
