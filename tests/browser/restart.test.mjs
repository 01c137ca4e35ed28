// mlsd restarts under an open page: the "reconnecting" banner shows while it is down, and the
// page recovers by itself when it is back on the same port (EventSource reconnects with
// Last-Event-ID; the new mlsd answers `reset` and the page re-reads everything), then follows
// live events again — no reload.
import {Mlsd, assert, launchBrowser, log, newPage, run, screenshot, testDir, textOrNull, waitFor} from './lib/harness.mjs';

run('restart', async () => {
  const dir = testDir('restart');
  const mlsd = new Mlsd(dir);
  await mlsd.start();
  await mlsd.api('POST', '/api/v1/inputs', {name: 'cam1', url: 'test://smpte?size=320x240&fps=15'});
  const browser = await launchBrowser();
  const page = await newPage(browser);
  await page.goto(mlsd.url + '/');
  const badge = (key) => textOrNull(page, `.row-grid[data-key="${key}"] > .state-cell .badge`);
  await waitFor('cam1 live', async () => (await badge('cam1')) === 'live');
  assert(await page.isHidden('#banner'), 'no banner while connected');

  await mlsd.stop();
  await page.waitForSelector('#banner', {state: 'visible', timeout: 10000});
  log('banner shown:', (await page.textContent('#banner')).trim());
  await screenshot(page, 'reconnecting-desktop-1280');

  // The restarted mlsd gets a new input before the page has reconnected: the page learns of it
  // from the `reset` (re-read) or from the event itself.
  await mlsd.start();
  await mlsd.api('POST', '/api/v1/inputs', {name: 'cam2', url: 'test://ball?size=320x240&fps=15'});
  await page.waitForSelector('#banner', {state: 'hidden', timeout: 20000});
  await waitFor('cam2 to appear', async () => (await badge('cam2')) !== null, 20000);
  await waitFor('cam1 live again', async () => (await badge('cam1')) === 'live', 20000);
  log('page recovered by itself');

  // Live events flow again.
  await mlsd.api('DELETE', '/api/v1/inputs/cam2');
  await waitFor('cam2 to go', async () => (await badge('cam2')) === null, 10000);
  assert(page.errors.length === 0, 'no script errors: ' + page.errors.join('; '));
});
