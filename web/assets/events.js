// Live updates: one EventSource on /api/v1/events, the only way the UI learns of changes (no
// polling). The browser reconnects by itself and sends Last-Event-ID, so mlsd replays what was
// missed, or sends `reset` when it cannot (history gone): the UI then re-reads everything. It
// also re-reads after any break, since a restarted mlsd numbers its events from 1 again and
// may replay its own events after an id the page saw from the previous process. A stream that mlsd refused (503 while shutting down) is reopened here
// after a pause. While the stream is down the "reconnecting" banner shows.
import * as model from './store.js';

const banner = () => document.getElementById('banner');
const conn = () => document.getElementById('conn');

let source = null;
let everOpen = false;
let reopenTimer = 0;
export const metrics = {firstUpdateMs: null, firstEventMs: null};

function setConnection(state, text) {
  const c = conn();
  c.dataset.state = state;
  c.textContent = text;
  banner().hidden = state !== 'down' || !everOpen;
  if (state === 'down' && !everOpen) { c.textContent = 'cannot reach mlsd'; }
}

function firstUpdate(kind) {
  if (metrics.firstUpdateMs == null && kind === 'stats') metrics.firstUpdateMs = performance.now();
  if (metrics.firstEventMs == null) metrics.firstEventMs = performance.now();
}

function handle(type, fn) {
  source.addEventListener(type, (e) => {
    let data = {};
    try { data = JSON.parse(e.data || '{}'); } catch { return; }
    firstUpdate(type);
    fn(data);
  });
}

function reload() {
  model.loadAll().catch((e) => console.warn('reload failed', e));
  model.emit('reset');
}

export function connect() {
  clearTimeout(reopenTimer);
  source = new EventSource('/api/v1/events');
  source.onopen = () => {
    const wasDown = everOpen && conn().dataset.state === 'down';
    everOpen = true;
    setConnection('live', 'live');
    // Back after a break: mlsd may have restarted, and a restarted mlsd numbers its events
    // from 1 again, so the Last-Event-ID replay cannot be trusted to be complete: re-read.
    if (wasDown) reload();
  };
  source.onerror = () => {
    setConnection('down', 'reconnecting…');
    if (source.readyState === EventSource.CLOSED) {
      // Refused (e.g. 503 during shutdown): the browser gives up; a new stream starts fresh,
      // so everything is re-read when it opens.
      source.close();
      reopenTimer = setTimeout(() => { connect(); source.addEventListener('open', reload, {once: true}); }, 2000);
    }
  };
  handle('reset', reload);
  handle('shutdown', () => setConnection('down', 'mlsd is restarting…'));
  handle('config.replaced', reload);
  for (const t of ['input.created', 'input.updated', 'output.created', 'output.updated', 'output.deleted'])
    handle(t, (d) => model.reloadInput(d.input));
  handle('input.deleted', (d) => { model.forgetInput(d.input); model.emit('structure'); });
  handle('input.state', (d) => { if (model.applyInputState(d)) model.emit('structure'); else model.reloadInput(d.input); });
  handle('output.state', (d) => { if (model.applyOutputState(d)) model.emit('structure'); else model.reloadInput(d.input); });
  handle('stats', (d) => { model.applyStats(d); model.emit('stats'); });
  // The recorder's state: recording.state on every change (started/stopped/failed as well).
  for (const t of ['recording.state', 'recording.started', 'recording.stopped', 'recording.failed']) {
    handle(t, (d) => {
      if (d.state ? model.applyRecordingState(d) : false) model.emit('structure'); else model.reloadInput(d.input);
    });
  }
  handle('recording.segment', (d) => model.emit('recordings', {type: 'segment', ...d}));
  handle('recording.deleted', (d) => model.emit('recordings', {type: 'deleted', ...d}));
}
