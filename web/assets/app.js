// The mls web UI's entry point: views by URL hash (#relays, #recordings, #system), the API
// token prompt, the first load and the event stream. See docs/web-ui.md.
import {setTokenPrompt} from './api.js';
import {tokenDialog} from './dialogs.js';
import {toast} from './dom.js';
import {connect, metrics} from './events.js';
import {initRecordings, showRecordings} from './recordings.js';
import {initRelays} from './relays.js';
import {loadAll} from './store.js';
import {initSystem, showSystem} from './system.js';

const VIEWS = {relays: null, recordings: showRecordings, system: showSystem};

function route() {
  const view = (location.hash || '#relays').slice(1);
  const name = view in VIEWS ? view : 'relays';
  for (const section of document.querySelectorAll('main > section')) section.hidden = section.dataset.view !== name;
  for (const a of document.querySelectorAll('.tabs a')) {
    if (a.dataset.view === name) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  document.title = `mls · ${name[0].toUpperCase()}${name.slice(1)}`;
  if (VIEWS[name]) VIEWS[name]();
}

// Tests and curious operators read these (time to first live update, in ms from navigation).
window.mls = {metrics};

setTokenPrompt(tokenDialog);
// Cancel buttons are plain buttons (not the form's first submit button, which Enter in a field
// would press): they close their dialog.
document.addEventListener('click', (e) => {
  const cancel = e.target.closest?.('[data-cancel]');
  if (cancel) cancel.closest('dialog')?.close('cancel');
});
initRelays();
initRecordings();
initSystem();
window.addEventListener('hashchange', route);
route();
connect();
loadAll().catch((e) => toast(e.message, true));
