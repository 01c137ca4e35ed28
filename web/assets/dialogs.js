// Dialogs of the web UI on the native <dialog> element: modal (the rest of the page is inert),
// Escape closes, focus goes into the dialog when it opens and back to what opened it when it
// closes. confirmDialog() names exactly what a deletion removes.
import {h} from './dom.js';
import {offChange, onChange} from './store.js';

// Opens `dialog` modally; returns a promise of its returnValue once it closes.
export function openDialog(dialog) {
  const opener = document.activeElement;
  dialog.returnValue = '';
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      if (opener && opener.isConnected && typeof opener.focus === 'function') opener.focus();
      resolve(dialog.returnValue);
    }, {once: true});
  });
}

// Asks before a deletion. `items` are the things that go, shown as a list (text only).
export async function confirmDialog({title, text, items = [], ok = 'Delete'}) {
  const dialog = document.getElementById('dlg-confirm');
  dialog.querySelector('#dlg-confirm-title').textContent = title;
  dialog.querySelector('#dlg-confirm-text').textContent = text;
  dialog.querySelector('#dlg-confirm-list').replaceChildren(...items.map((i) => h('li', null, i)));
  dialog.querySelector('#dlg-confirm-ok').textContent = ok;
  const result = await openDialog(dialog);
  return result === 'ok';
}

// The API token prompt; resolves to the token, or null when cancelled.
export async function tokenDialog() {
  const dialog = document.getElementById('dlg-token');
  const input = dialog.querySelector('#token');
  input.value = '';
  const result = await openDialog(dialog);
  return result === 'ok' && input.value ? input.value : null;
}

// The player: a live preview (fragmented MP4 from mlsd) or a recorded segment. The source is
// dropped when the dialog closes, which closes the HTTP connection: mlsd then stops the preview.
// `url` may be a function (a fresh URL for each attempt). With `isLive`, a live preview whose
// stream ends (the input restarted) starts again by itself once the input is live again.
export function playDialog(title, url, {live, isLive}) {
  const dialog = document.getElementById('dlg-player');
  const video = dialog.querySelector('video');
  const status = dialog.querySelector('#player-status');
  const source = () => (typeof url === 'function' ? url() : url);
  dialog.querySelector('#dlg-player-title').textContent = title;
  status.textContent = live ? 'Connecting…' : '';
  let waiting = false;
  const start = () => {
    waiting = false;
    video.src = source();
    video.play().catch(() => { /* autoplay refusal: controls remain */ });
  };
  const onPlaying = () => { status.textContent = live ? 'Live preview, no re-encoding. Closing this stops it.' : ''; };
  const onStop = () => {
    if (live && isLive) {
      waiting = true;
      status.textContent = 'The input stopped; the preview resumes when it is live again.';
      if (isLive()) start();
    } else if (video.error) {
      status.textContent = 'Cannot play: ' + (video.error.message || 'the stream ended or is not available');
    }
  };
  const onStructure = () => { if (waiting && isLive && isLive()) start(); };
  video.addEventListener('playing', onPlaying);
  video.addEventListener('error', onStop);
  video.addEventListener('ended', onStop);
  onChange('structure', onStructure);
  video.muted = true;
  start();
  const close = () => dialog.close();
  const closeBtn = dialog.querySelector('[data-close]');
  closeBtn.addEventListener('click', close);
  openDialog(dialog).then(() => {
    offChange('structure', onStructure);
    closeBtn.removeEventListener('click', close);
    video.removeEventListener('playing', onPlaying);
    video.removeEventListener('error', onStop);
    video.removeEventListener('ended', onStop);
    video.pause();
    video.removeAttribute('src');
    video.load();  // aborts the request
  });
}
