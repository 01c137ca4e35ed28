// The Recordings view: start/stop recording per input (a blinking dot while it records), and
// the segments (GET /api/v1/recordings, newest first) kept current by `recording.segment` and
// `recording.deleted` events — a segment being written shows its size growing — with play in
// the page, download and delete (confirmed). Without the list API only the segments are missing.
import {api, enc} from './api.js';
import {badge, fmtBytes, fmtDuration, fmtTime, h, icon, iconButton, toast} from './dom.js';
import {confirmDialog, playDialog} from './dialogs.js';
import {onChange, sortedInputs, store} from './store.js';

const $ = (id) => document.getElementById(id);
const segments = new Map();  // "input/file" → recording JSON
let available = null;        // null: unknown yet
let loaded = false;

function key(r) { return r.input + '/' + r.file; }

export async function loadRecordings() {
  try {
    const body = await api('GET', '/api/v1/recordings');
    available = true;
    segments.clear();
    for (const r of body.recordings || []) segments.set(key(r), r);
  } catch (e) {
    if (e.status === 404) available = false; else toast(e.message, true);
  }
  loaded = true;
  render();
}

function recordingState(input) {
  return input.recording?.state || (input.record ? 'connecting' : 'stopped');
}

function renderInputs() {
  const rows = sortedInputs().map((input) => {
    const state = recordingState(input);
    const on = input.record === true;
    const rec = input.recording || {};
    const base = '/api/v1/inputs/' + enc(input.name) + '/recording';
    const toggle = h('button', {type: 'button', class: 'btn' + (on ? '' : ' primary'),
      'aria-label': `${on ? 'Stop' : 'Start'} recording ${input.name}`,
      onclick: async (e) => {
        e.currentTarget.disabled = true;
        try { await api(on ? 'DELETE' : 'POST', base); } catch (err) { toast(err.message, true); }
      }}, on ? 'Stop recording' : 'Record');
    return h('tr', {'data-input': input.name},
      h('td', null, on && state === 'live' ? h('span', {class: 'rec-dot', role: 'img', 'aria-label': 'recording'}) : null, h('strong', null, input.name)),
      h('td', null, badge(on && state === 'live' ? 'recording' : state, on && state === 'live' ? 'recording' : state),
        rec.last_error && state !== 'live' ? h('div', {class: 'error'}, rec.last_error) : null),
      h('td', {class: 'mono hide-sm'}, rec.segment || '–'),
      h('td', {class: 'num written hide-sm'}, rec.bytes ? fmtBytes(rec.bytes) : '–'),
      h('td', {class: 'actions'}, toggle));
  });
  $('rec-inputs').tBodies[0].replaceChildren(...rows);
}

function segmentRow(r) {
  const url = r.url || `/api/v1/recordings/${enc(r.input)}/${enc(r.file)}`;
  const writing = r.state === 'recording';
  return h('tr', {'data-key': key(r)},
    h('td', {class: 'file'}, h('span', {class: 'mono'}, r.file),
      // On a phone the columns below are hidden; their gist goes under the name.
      h('div', {class: 'show-sm muted'}, h('span', {class: 'size'}, fmtBytes(r.size_bytes)), ' · ', fmtTime(r.start))),
    h('td', {class: 'hide-sm'}, r.input),
    h('td', {class: 'hide-sm'}, fmtTime(r.start)),
    h('td', {class: 'num hide-sm'}, fmtDuration(r.duration_s ?? (writing && r.start ? (Date.now() - new Date(r.start)) / 1000 : null))),
    h('td', {class: 'num hide-sm size'}, fmtBytes(r.size_bytes)),
    h('td', {class: 'hide-sm'}, [r.video_codec, r.audio_codec].filter(Boolean).join(' + ').toUpperCase() || '–'),
    h('td', null, badge(r.state, r.state)),
    h('td', {class: 'actions'},
      iconButton('play', `Play ${r.file}`, () => playDialog(r.file, url, {live: false})),
      h('a', {class: 'icon-btn', href: url, download: r.file, 'aria-label': `Download ${r.file}`, title: `Download ${r.file}`},
        icon('download')),
      iconButton('trash', `Delete ${r.file}`, () => deleteSegment(r), {class: 'danger', disabled: writing})));
}

function render() {
  renderInputs();
  // Without the list API (an older mlsd) recording still starts and stops; only the segment
  // list is missing.
  $('rec-unavailable').hidden = available !== false;
  $('rec-seg-toolbar').hidden = $('rec-seg-wrap').hidden = available === false;
  if (available === false) { $('rec-empty').hidden = true; return; }
  const q = $('rec-search').value.trim().toLowerCase();
  const list = [...segments.values()]
    .filter((r) => !q || r.file.toLowerCase().includes(q) || r.input.toLowerCase().includes(q))
    .sort((a, b) => String(b.start).localeCompare(String(a.start)) || b.file.localeCompare(a.file));
  $('rec-segments').tBodies[0].replaceChildren(...list.map(segmentRow));
  $('rec-empty').hidden = list.length > 0 || !loaded;
}

async function deleteSegment(r) {
  const ok = await confirmDialog({title: `Delete recording “${r.file}”?`,
    text: `This segment of ${r.input} (${fmtBytes(r.size_bytes)}) is deleted from disk:`, items: [r.file], ok: 'Delete recording'});
  if (!ok) return;
  try {
    await api('DELETE', `/api/v1/recordings/${enc(r.input)}/${enc(r.file)}`);
    segments.delete(key(r));
    render();
    toast(`${r.file} deleted`);
  } catch (e) { toast(e.message, true); }
}

function onSegment(ev) {
  if (ev.type === 'deleted') { segments.delete(key(ev)); render(); return; }
  const k = key(ev);
  const known = segments.get(k);
  if (!known || ev.phase === 'closed' || ev.phase === 'new') {
    // Details (start, duration, codecs) come from the list.
    api('GET', '/api/v1/recordings?input=' + enc(ev.input)).then((body) => {
      for (const r of body.recordings || []) segments.set(key(r), r);
      render();
    }).catch(() => {});
  }
  if (known) {
    known.size_bytes = ev.size_bytes;
    known.state = ev.state;
    const cells = document.querySelectorAll(`#rec-segments tr[data-key="${CSS.escape(k)}"] .size`);
    for (const cell of cells) cell.textContent = fmtBytes(ev.size_bytes);
    if (!cells.length) render();
  }
}

export function initRecordings() {
  $('rec-search').addEventListener('input', render);
  onChange('structure', () => { if (loaded) renderInputs(); });
  onChange('stats', () => {
    if (!loaded) return;
    for (const input of store.inputs.values()) {
      const cell = document.querySelector(`#rec-inputs tr[data-input="${CSS.escape(input.name)}"] .written`);
      if (cell && input.recording) cell.textContent = input.recording.bytes ? fmtBytes(input.recording.bytes) : '–';
    }
  });
  onChange('recordings', onSegment);
  onChange('reset', loadRecordings);
}

export function showRecordings() {
  if (!loaded) loadRecordings(); else render();
}
