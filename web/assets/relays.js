// The Relays view: summary cards, search and state filter, every input with its outputs nested
// under it (state badge, URL, media or profile, bitrate, fps, uptime, sparkline, actions), and
// the add input / add output forms with the API's validation messages next to their fields.
// Structure changes re-render the list (keeping keyboard focus); `stats` events update the
// numbers in place.
import {api, enc} from './api.js';
import {badge, fmtBitrate, fmtBytes, fmtDuration, fmtFps, h, icon, iconButton, sparkline, toast,
        updateSparkline} from './dom.js';
import {confirmDialog, openDialog, playDialog} from './dialogs.js';
import {onChange, sortedInputs, store} from './store.js';

const $ = (id) => document.getElementById(id);
const rowsByKey = new Map();  // key → {bitrate, fps, uptime, spark} elements to update in place

// ---- summary cards ----------------------------------------------------------------------
function card(label, value, cls = '', title = '') {
  return h('div', {class: 'card ' + cls, title: title || null},
           h('div', {class: 'label'}, label), h('div', {class: 'value'}, value));
}

function renderCards() {
  let outputs = 0, live = 0, total = 0, failing = 0, egress = 0;
  for (const input of store.inputs.values()) {
    total++;
    if (input.state === 'live') live++;
    if (input.state === 'failed' || input.state === 'retrying') failing++;
    for (const o of input.outputs) {
      outputs++; total++;
      if (o.state === 'live') live++;
      if (o.state === 'failed' || o.state === 'retrying') failing++;
      egress += o.bitrate_bps || 0;
    }
  }
  const p = store.process;
  $('cards').replaceChildren(
    card('Inputs', store.inputs.size),
    card('Outputs', outputs),
    card('Live', `${live} / ${total}`, live === total && total ? 'good' : ''),
    card('Failing', failing, failing ? 'bad' : '', 'failed or retrying'),
    card('Total bitrate', fmtBitrate(egress), '', 'sum of every output'),
    card('CPU (mlsd)', store.cpuPercent == null ? '–' : store.cpuPercent.toFixed(1) + ' %'),
    card('Memory (mlsd)', p ? fmtBytes(p.rss_bytes) : '–'));
}

// ---- filtering --------------------------------------------------------------------------
function matchesText(item, q) {
  return !q || item.name.toLowerCase().includes(q) || String(item.url || '').toLowerCase().includes(q);
}
function matchesState(item, f) {
  if (!f) return true;
  if (f === 'problem') return item.state === 'failed' || item.state === 'retrying';
  return item.state === f;
}
function filtered() {
  const q = $('search').value.trim().toLowerCase();
  const f = $('state-filter').value;
  const result = [];
  for (const input of sortedInputs()) {
    const inputHit = matchesText(input, q) && matchesState(input, f);
    const outs = input.outputs.filter((o) => (matchesText(input, q) || matchesText(o, q)) && matchesState(o, f));
    if (inputHit) result.push({input, outputs: input.outputs});
    else if (outs.length) result.push({input, outputs: outs});
  }
  return result;
}

// ---- rows -------------------------------------------------------------------------------
function stateCell(item) {
  const cell = h('div', {class: 'state-cell'}, badge(item.state || 'idle'));
  if (item.state === 'retrying' && item.next_retry_at) {
    cell.append(h('div', {class: 'muted countdown', 'data-retry-at': item.next_retry_at},
                  countdownText(item.next_retry_at)));
  }
  return cell;
}

function countdownText(iso) {
  const s = Math.max(0, Math.ceil((new Date(iso) - Date.now()) / 1000));
  return s > 0 ? `retry in ${s} s` : 'retrying now';
}

function mediaText(input) {
  const m = input.media;
  if (!m || (!m.has_video && !m.has_audio)) return input.state === 'live' ? '' : 'media not known yet';
  const parts = [];
  if (m.has_video) {
    let v = (m.video_codec || 'video').toUpperCase().replace('H26', 'H.26');
    if (m.width) v += ` ${m.width}×${m.height}`;
    if (m.framerate) v += ` ${Math.round(m.framerate * 100) / 100} fps`;
    parts.push(v);
  }
  if (m.has_audio) {
    let a = (m.audio_codec || 'audio').toUpperCase();
    if (m.audio_rate) a += ` ${m.audio_rate / 1000} kHz`;
    if (m.audio_channels) a += m.audio_channels === 1 ? ' mono' : m.audio_channels === 2 ? ' stereo' : ` ${m.audio_channels} ch`;
    parts.push(a);
  } else if (m.has_video) parts.push('no audio');
  return parts.join(' · ');
}

function profileText(output) {
  if (output.profile !== 'transcode') return 'passthrough';
  const e = output.effective || {};
  const bits = [output.preset ? `preset ${output.preset}` : 'transcode', (e.video_codec || '').toUpperCase()];
  if (e.resolution) bits.push(e.resolution);
  if (e.bitrate) bits.push(e.bitrate + ' kb/s');
  return bits.filter(Boolean).join(' · ');
}

function metricCell(label, value, cls) {
  const v = h('span', {class: cls}, value);
  return [h('div', {class: 'metric metric-cell'}, h('small', null, label), v), v];
}

function errorLine(item) {
  if (!item.last_error || item.state === 'live') return null;
  const warn = item.state !== 'failed';
  return h('div', {class: 'err-line' + (warn ? ' warn' : ''), role: item.state === 'failed' ? 'alert' : null},
           (warn ? 'Last error: ' : 'Failed: ') + item.last_error);
}

function row(key, item, {details, actions, isInput}) {
  const [bCell, bVal] = metricCell('bitrate', fmtBitrate(item.bitrate_bps));
  const [fCell, fVal] = metricCell('fps', fmtFps(item.fps));
  const [uCell, uVal] = metricCell('uptime', fmtDuration(item.uptime_s));
  const spark = sparkline(store.history.get(key));
  rowsByKey.set(key, {bVal, fVal, uVal, spark});
  const recording = isInput && item.recording?.state === 'live';
  return h('div', {class: 'row-grid', 'data-key': key, 'data-state': item.state},
    stateCell(item),
    h('div', {class: 'name-cell'},
      h('div', {class: 'name'}, recording ? h('span', {class: 'rec-dot', title: 'recording', 'aria-label': 'recording', role: 'img'}) : null,
        item.name, item.enabled === false ? h('span', {class: 'tag'}, 'disabled') : null),
      h('div', {class: 'url', title: item.url}, item.url)),
    h('div', {class: 'details-cell details'}, details),
    h('div', {class: 'metrics-group'}, bCell, fCell, uCell),
    h('div', {class: 'spark-cell'}, spark),
    h('div', {class: 'row-actions'}, actions),
    errorLine(item));
}

async function act(promise, okText) {
  try {
    await promise;
    if (okText) toast(okText);
  } catch (e) {
    toast(e.message, true);
  }
}

function inputActions(input) {
  const base = '/api/v1/inputs/' + enc(input.name);
  const running = input.enabled !== false;
  return [
    iconButton('eye', `Preview ${input.name}`, () => playDialog(`Preview: ${input.name}`,
      () => `/api/v1/preview/${enc(input.name)}.mp4?t=${Date.now()}`,
      {live: true, isLive: () => store.inputs.get(input.name)?.state === 'live'}), {disabled: input.state !== 'live'}),
    running ? iconButton('stop', `Stop input ${input.name}`, () => act(api('POST', base + '/stop')))
            : iconButton('play', `Start input ${input.name}`, () => act(api('POST', base + '/start'))),
    iconButton('trash', `Delete input ${input.name}`, () => deleteInput(input), {class: 'danger'}),
  ];
}

function outputActions(input, output) {
  const base = '/api/v1/inputs/' + enc(input.name) + '/outputs/' + enc(output.name);
  const running = output.enabled !== false;
  return [
    running ? iconButton('stop', `Stop output ${output.name}`, () => act(api('POST', base + '/stop')))
            : iconButton('play', `Start output ${output.name}`, () => act(api('POST', base + '/start'))),
    iconButton('trash', `Delete output ${output.name}`, () => deleteOutput(input, output), {class: 'danger'}),
  ];
}

async function deleteInput(input) {
  const n = input.outputs.length;
  const ok = await confirmDialog({
    title: `Delete input “${input.name}”?`,
    text: n === 0 ? 'The input is stopped and removed. It has no outputs.'
                  : `The input is stopped and removed, and its ${n} output${n === 1 ? '' : 's'} with it:`,
    items: input.outputs.map((o) => `${o.name} — ${o.url}`),
    ok: n ? `Delete input and ${n} output${n === 1 ? '' : 's'}` : 'Delete input',
  });
  if (ok) await act(api('DELETE', '/api/v1/inputs/' + enc(input.name)), `Input ${input.name} deleted`);
}

async function deleteOutput(input, output) {
  const ok = await confirmDialog({
    title: `Delete output “${output.name}”?`,
    text: `The output ${input.name}/${output.name} ends its stream and is removed:`,
    items: [output.url],
    ok: 'Delete output',
  });
  if (ok) await act(api('DELETE', `/api/v1/inputs/${enc(input.name)}/outputs/${enc(output.name)}`),
                    `Output ${input.name}/${output.name} deleted`);
}

function renderList() {
  const list = $('relay-list');
  // Keep keyboard focus on the same control across the re-render.
  const active = document.activeElement;
  const focusKey = active && list.contains(active) ? [active.closest('[data-key]')?.dataset.key, active.getAttribute('aria-label')] : null;
  rowsByKey.clear();
  const groups = filtered();
  list.replaceChildren(...groups.map(({input, outputs}) => {
    const outs = h('div', {class: 'outputs', role: 'list', 'aria-label': `Outputs of ${input.name}`},
      outputs.map((o) => {
        const r = row(input.name + '/' + o.name, o, {details: profileText(o), actions: outputActions(input, o)});
        r.setAttribute('role', 'listitem');
        return r;
      }),
      input.outputs.length === 0 ? h('div', {class: 'no-outputs'}, 'No outputs yet.') : null,
      h('div', {class: 'add-output'}, h('button', {type: 'button', class: 'btn', onclick: () => addOutput(input.name),
        'aria-label': `Add output to ${input.name}`}, icon('plus'), 'Add output')));
    return h('article', {class: 'relay', 'aria-label': `Input ${input.name}`},
      row(input.name, input, {details: mediaText(input), actions: inputActions(input), isInput: true}), outs);
  }));
  const empty = $('relay-empty');
  empty.hidden = groups.length > 0 || !store.loaded;
  empty.textContent = store.inputs.size ? 'Nothing matches the search.' : 'No inputs yet. Add one to start relaying.';
  if (focusKey && focusKey[0]) {
    const target = list.querySelector(`[data-key="${CSS.escape(focusKey[0])}"] [aria-label="${CSS.escape(focusKey[1] || '')}"]`) ||
                   list.querySelector(`[data-key="${CSS.escape(focusKey[0])}"] button`);
    if (target) target.focus();
  }
  renderCards();
}

function updateStats() {
  for (const input of store.inputs.values()) {
    for (const [key, item] of [[input.name, input], ...input.outputs.map((o) => [input.name + '/' + o.name, o])]) {
      const r = rowsByKey.get(key);
      if (!r) continue;
      r.bVal.textContent = fmtBitrate(item.bitrate_bps);
      r.fVal.textContent = fmtFps(item.fps);
      r.uVal.textContent = fmtDuration(item.uptime_s);
      updateSparkline(r.spark, store.history.get(key));
    }
  }
  renderCards();
}

// ---- forms ------------------------------------------------------------------------------
function clearErrors(form) {
  for (const el of form.querySelectorAll('.error')) el.textContent = '';
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
}

// Shows the API's message next to the field it names ("outputs[0].url" → "url"), or under the
// form when it names none we show.
function showError(form, error) {
  const field = (error.field || '').split('.').pop().replace(/\[\d+\]$/, '');
  const slot = field && form.querySelector(`.error[data-field="${CSS.escape(field)}"]`);
  const target = slot || form.querySelector('.form-error');
  target.textContent = error.message;
  const input = field && form.querySelector(`[name="${CSS.escape(field)}"]`);
  if (input) {
    input.setAttribute('aria-invalid', 'true');
    input.closest('details')?.setAttribute('open', '');
    if (input.closest('[data-show]')?.hidden === false || !input.closest('[data-show]')) input.focus();
  }
}

// Runs `submit(form)` when the dialog's submit button is pressed; keeps the dialog open while
// the API refuses, showing why.
function formDialog(dialog, submit) {
  const form = dialog.querySelector('form');
  clearErrors(form);
  const onSubmit = async (e) => {
    if (e.submitter?.value !== 'submit') return;  // Cancel: let the dialog close
    e.preventDefault();
    clearErrors(form);
    const button = form.querySelector('[data-submit]');
    button.disabled = true;
    try {
      await submit(form);
      dialog.close('done');
    } catch (error) {
      showError(form, error);
    } finally {
      button.disabled = false;
    }
  };
  form.addEventListener('submit', onSubmit);
  return openDialog(dialog).then((v) => { form.removeEventListener('submit', onSubmit); return v; });
}

function intOrUndefined(v) { return v === '' ? undefined : Number(v); }

function addInput() {
  const dialog = $('dlg-input');
  const form = dialog.querySelector('form');
  form.reset();
  formDialog(dialog, async (f) => {
    const d = new FormData(f);
    const body = {name: d.get('name').trim(), url: d.get('url').trim(), enabled: d.get('enabled') === 'on'};
    if (d.get('transport')) body.transport = d.get('transport');
    if (d.get('loop') === 'on') body.loop = true;
    if (d.get('stall_timeout_ms') !== '') body.stall_timeout_ms = intOrUndefined(d.get('stall_timeout_ms'));
    if (d.get('latency_ms') !== '') body.latency_ms = intOrUndefined(d.get('latency_ms'));
    await api('POST', '/api/v1/inputs', body);
    toast(`Input ${body.name} added`);
  });
}

function showProfile(form) {
  const profile = form.querySelector('input[name="profile"]:checked').value;
  for (const el of form.querySelectorAll('[data-show]')) el.hidden = el.dataset.show !== profile;
}

function presetDescription(form) {
  const p = store.presets.find((x) => x.name === form.querySelector('#out-preset').value);
  form.querySelector('#out-preset-desc').textContent = p ? p.description || `${p.video_codec} ${p.resolution || ''} ${p.bitrate} kb/s` : '';
}

async function addOutput(inputName) {
  const dialog = $('dlg-output');
  const form = dialog.querySelector('form');
  form.reset();
  dialog.querySelector('#dlg-output-title').textContent = `Add output to ${inputName}`;
  if (!store.presets.length) {
    try { store.presets = (await api('GET', '/api/v1/presets')).presets || []; } catch { /* shown empty */ }
  }
  form.querySelector('#out-preset').replaceChildren(...store.presets.map((p) => h('option', {value: p.name}, p.title || p.name)));
  presetDescription(form);
  showProfile(form);
  formDialog(dialog, async (f) => {
    const d = new FormData(f);
    let url = d.get('url').trim();
    const key = d.get('key');
    if (key) url = url.replace(/\/+$/, '') + '/' + key;
    const body = {name: d.get('name').trim(), url, enabled: d.get('enabled') === 'on', audio: d.get('audio')};
    const profile = d.get('profile');
    if (profile === 'preset') body.preset = d.get('preset');
    if (profile === 'custom') {
      body.video_codec = d.get('video_codec');
      for (const k of ['resolution', 'bitrate', 'audio_bitrate']) if (d.get(k).trim()) body[k] = d.get(k).trim();
      for (const k of ['framerate', 'keyframe_interval', 'rotation']) if (d.get(k) !== '') body[k] = Number(d.get(k));
      if (/^\d+$/.test(body.bitrate || '')) body.bitrate = Number(body.bitrate);
      if (/^\d+$/.test(body.audio_bitrate || '')) body.audio_bitrate = Number(body.audio_bitrate);
    }
    await api('POST', `/api/v1/inputs/${enc(inputName)}/outputs`, body);
    toast(`Output ${inputName}/${body.name} added`);
  });
}

// Import: the file replaces the whole configuration (validated by mlsd first: an invalid file
// changes nothing). Masked stream keys of inputs and outputs that exist keep their secret.
async function importConfig(e) {
  const file = e.target.files[0];
  e.target.value = '';
  if (!file) return;
  let config;
  try { config = JSON.parse(await file.text()); } catch (err) { toast(`${file.name} is not JSON: ${err.message}`, true); return; }
  const inputs = Array.isArray(config.inputs) ? config.inputs : [];
  const outputs = inputs.reduce((n, i) => n + (Array.isArray(i.outputs) ? i.outputs.length : 0), 0);
  const ok = await confirmDialog({
    title: 'Replace the configuration?',
    text: `Every input and output now configured (${store.inputs.size} inputs) is replaced by ${file.name}: ` +
          `${inputs.length} input${inputs.length === 1 ? '' : 's'} and ${outputs} output${outputs === 1 ? '' : 's'}:`,
    items: inputs.map((i) => String(i.name)), ok: 'Replace configuration'});
  if (ok) await act(api('PUT', '/api/v1/config', config), `Configuration imported from ${file.name}`);
}

export function initRelays() {
  $('add-input').addEventListener('click', addInput);
  $('import-file').addEventListener('change', importConfig);
  $('search').addEventListener('input', renderList);
  $('state-filter').addEventListener('change', renderList);
  const outForm = $('dlg-output').querySelector('form');
  for (const r of outForm.querySelectorAll('input[name="profile"]')) r.addEventListener('change', () => showProfile(outForm));
  outForm.querySelector('#out-preset').addEventListener('change', () => presetDescription(outForm));
  onChange('structure', renderList);
  onChange('stats', updateStats);
  // Countdown of retrying rows: a local clock, no request.
  setInterval(() => {
    for (const el of document.querySelectorAll('[data-retry-at]')) el.textContent = countdownText(el.dataset.retryAt);
  }, 1000);
  renderList();
}
