// The web UI's model: inputs with their nested outputs as GET /api/v1/inputs returns them,
// kept current by the server-sent events (events.js), plus the rates history for sparklines and
// the mlsd process figures. Views subscribe with onChange(kind, fn): kind 'structure' (a
// resource or a state changed: re-render), 'stats' (numbers only: update in place),
// 'recordings' (segments).
import {api, enc} from './api.js';

export const store = {
  inputs: new Map(),   // name → input resource (outputs inside, sorted by name)
  history: new Map(),  // "cam1" or "cam1/yt" → bitrates of the last 60 s
  process: null,       // last stats event's process figures
  cpuPercent: null,
  presets: [],
  loaded: false,
};

const listeners = new Map();
export function onChange(kind, fn) {
  if (!listeners.has(kind)) listeners.set(kind, new Set());
  listeners.get(kind).add(fn);
}
export function offChange(kind, fn) { listeners.get(kind)?.delete(fn); }
export function emit(kind, detail) {
  for (const fn of listeners.get(kind) || []) {
    try { fn(detail); } catch (e) { console.error(e); }
  }
}

function sortOutputs(input) {
  input.outputs = (input.outputs || []).slice().sort((a, b) => a.name.localeCompare(b.name));
  return input;
}

export function sortedInputs() {
  return [...store.inputs.values()].sort((a, b) => a.name.localeCompare(b.name));
}

// Responses can arrive out of order (each request has its own connection), and a state event
// can arrive while a GET issued before it is in flight. So: a response older than one already
// applied for the same input is dropped, and state events received after a GET was issued are
// applied again on top of its response (an input's, an output's, a recorder's).
let eventSeq = 0;            // state events received so far
const lastState = new Map();  // "cam1", "cam1/yt" or "cam1#recording" → {seq, ev, apply}
let reloadSeq = 0;
const appliedReload = new Map();  // input → seq of the newest response applied ('*': loadAll)

function reapplyStates(issuedAt, onlyInput) {
  for (const {seq, ev, apply} of lastState.values()) {
    if (seq <= issuedAt) continue;
    if (onlyInput && ev.input !== onlyInput) continue;
    apply(ev, true);
  }
}

export async function loadAll() {
  const issuedAt = eventSeq;
  const mine = ++reloadSeq;
  const body = await api('GET', '/api/v1/inputs');
  if (mine < (appliedReload.get('*') || 0)) return;
  appliedReload.set('*', mine);
  const keep = new Set();
  store.inputs.clear();
  for (const input of body.inputs) {
    store.inputs.set(input.name, sortOutputs(input));
    keep.add(input.name);
    for (const o of input.outputs) keep.add(input.name + '/' + o.name);
  }
  for (const key of [...store.history.keys()]) if (!keep.has(key)) store.history.delete(key);
  reapplyStates(issuedAt);
  store.loaded = true;
  emit('structure');
}

export async function reloadInput(name) {
  const issuedAt = eventSeq;
  const mine = ++reloadSeq;
  let input = null;
  try {
    input = await api('GET', '/api/v1/inputs/' + enc(name));
  } catch (e) {
    if (e.status !== 404) throw e;
  }
  if (mine < Math.max(appliedReload.get(name) || 0, appliedReload.get('*') || 0)) return;
  appliedReload.set(name, mine);
  if (input) store.inputs.set(name, sortOutputs(input)); else store.inputs.delete(name);
  reapplyStates(issuedAt, name);
  emit('structure');
}

export function findOutput(input, output) {
  return store.inputs.get(input)?.outputs.find((o) => o.name === output) || null;
}

function applyState(target, ev) {
  target.state = ev.state;
  target.last_error = ev.last_error || null;
  target.retries = ev.retries;
  target.next_retry_at = ev.next_retry_unix_ms ? new Date(ev.next_retry_unix_ms).toISOString() : null;
  if (ev.state !== 'live') { target.bitrate_bps = 0; target.fps = 0; target.uptime_s = 0; }
}

export function applyInputState(ev, again = false) {
  if (!again) lastState.set(ev.input, {seq: ++eventSeq, ev, apply: applyInputState});
  const input = store.inputs.get(ev.input);
  if (!input) return false;
  applyState(input, ev);
  return true;
}

export function applyOutputState(ev, again = false) {
  if (!again) lastState.set(ev.input + '/' + ev.output, {seq: ++eventSeq, ev, apply: applyOutputState});
  const output = findOutput(ev.input, ev.output);
  if (!output) return false;
  applyState(output, ev);
  return true;
}

function pushHistory(key, value) {
  let h = store.history.get(key);
  if (!h) store.history.set(key, h = []);
  h.push(value);
  if (h.length > 60) h.shift();
}

export function applyStats(ev) {
  const prev = store.process;
  if (prev && ev.uptime_s > prev.uptime_s)
    store.cpuPercent = Math.max(0, (ev.cpu_s - prev.cpu_s) / (ev.uptime_s - prev.uptime_s) * 100);
  store.process = ev;
  for (const s of ev.inputs || []) {
    const input = store.inputs.get(s.input);
    if (!input) continue;
    Object.assign(input, {bitrate_bps: s.bitrate_bps, fps: s.fps, bytes: s.bytes, uptime_s: s.uptime_s});
    if (s.recording && input.recording) Object.assign(input.recording, s.recording);
    pushHistory(s.input, s.bitrate_bps);
    for (const so of s.outputs || []) {
      const output = input.outputs.find((o) => o.name === so.output);
      if (!output) continue;
      Object.assign(output, {bitrate_bps: so.bitrate_bps, fps: so.fps, bytes: so.bytes, uptime_s: so.uptime_s});
      pushHistory(s.input + '/' + so.output, so.bitrate_bps);
    }
  }
}

// recording.state / started / stopped / failed: {"input","state","segment","segments","last_error"}.
export function applyRecordingState(ev, again = false) {
  if (!again) lastState.set(ev.input + '#recording', {seq: ++eventSeq, ev, apply: applyRecordingState});
  const input = store.inputs.get(ev.input);
  if (!input) return false;
  input.recording = Object.assign(input.recording || {}, {
    state: ev.state, segment: ev.segment ?? '', segments: ev.segments ?? 0, last_error: ev.last_error || null});
  if (ev.state === 'stopped') input.recording.bytes = 0;
  return true;
}

// input.deleted: the input and what was remembered of it go.
export function forgetInput(name) {
  store.inputs.delete(name);
  for (const key of [...lastState.keys()])
    if (key === name || key.startsWith(name + '/') || key === name + '#recording') lastState.delete(key);
  for (const key of [...store.history.keys()]) if (key === name || key.startsWith(name + '/')) store.history.delete(key);
}
