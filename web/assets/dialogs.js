// Dialogs of the web UI on the native <dialog> element: modal (the rest of the page is inert),
// Escape closes, focus goes into the dialog when it opens and back to what opened it when it
// closes. confirmDialog() names exactly what a deletion removes.
import {h} from './dom.js';

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
export function playDialog(title, url, {live}) {
  const dialog = document.getElementById('dlg-player');
  const video = dialog.querySelector('video');
  const status = dialog.querySelector('#player-status');
  dialog.querySelector('#dlg-player-title').textContent = title;
  status.textContent = live ? 'Connecting…' : '';
  const onPlaying = () => { status.textContent = live ? 'Live preview, no re-encoding. Closing this stops it.' : ''; };
  const onError = () => {
    status.textContent = 'Cannot play: ' + (video.error?.message || 'the stream ended or is not available');
  };
  video.addEventListener('playing', onPlaying);
  video.addEventListener('error', onError);
  video.muted = true;
  video.src = url;
  video.play().catch(() => { /* autoplay refusal: controls remain */ });
  const close = () => dialog.close();
  const closeBtn = dialog.querySelector('[data-close]');
  closeBtn.addEventListener('click', close);
  openDialog(dialog).then(() => {
    closeBtn.removeEventListener('click', close);
    video.removeEventListener('playing', onPlaying);
    video.removeEventListener('error', onError);
    video.pause();
    video.removeAttribute('src');
    video.load();  // aborts the request
  });
}
