// Live preview in the page: the preview dialog plays the input as fragmented MP4 from mlsd
// (GET /api/v1/preview/<input>.mp4) and its <video> current time advances; closing the dialog
// stops the preview in mlsd (its pipeline ends); beyond the cap mlsd answers 503 with a clear
// message; an unknown input 404.
import {Mlsd, assert, launchBrowser, log, newPage, run, screenshot, testDir, waitFor} from './lib/harness.mjs';

run('preview', async () => {
  const dir = testDir('preview');
  const mlsd = new Mlsd(dir, {args: ['--fail-on-leak']});
  await mlsd.start();
  const created = await mlsd.api('POST', '/api/v1/inputs', {name: 'cam1', url: 'test://ball?size=640x360&fps=25'});
  assert(created.status === 201 || created.status === 200, 'input created: ' + created.text);
  const browser = await launchBrowser();
  const page = await newPage(browser);
  await page.goto(mlsd.url + '/');
  const button = page.locator('button[aria-label="Preview cam1"]');
  await waitFor('the preview button to be enabled', () => button.isEnabled());
  await button.click();
  await page.waitForSelector('#dlg-player[open]');
  const t0 = await waitFor('the video to start', async () => {
    const t = await page.evaluate(() => document.getElementById('player-video').currentTime);
    return t > 0 ? t : 0;
  }, 20000);
  const t1 = await waitFor('the current time to advance by 2 s', async () => {
    const t = await page.evaluate(() => document.getElementById('player-video').currentTime);
    return t > t0 + 2 ? t : 0;
  }, 15000);
  const size = await page.evaluate(() => {
    const v = document.getElementById('player-video');
    return [v.videoWidth, v.videoHeight];
  });
  log(`preview plays: currentTime ${t0.toFixed(2)} → ${t1.toFixed(2)}, ${size[0]}×${size[1]}`);
  assert(size[0] === 640 && size[1] === 360, 'the preview shows the input picture');
  await screenshot(page, 'preview-desktop-1280');
  const log1 = () => mlsd.proc.output();
  assert(/preview 1 started/.test(log1()), 'mlsd started a preview');

  // The input restarts: the stream ends, the dialog says so, and the preview resumes by itself.
  await mlsd.api('POST', '/api/v1/inputs/cam1/stop');
  await waitFor('the dialog to say the input stopped', async () => /resumes/.test(await page.textContent('#player-status')), 15000);
  await mlsd.api('POST', '/api/v1/inputs/cam1/start');
  await waitFor('the preview to resume', async () => /^Live preview/.test(await page.textContent('#player-status')), 20000);
  const r0 = await page.evaluate(() => document.getElementById('player-video').currentTime);
  await waitFor('the resumed video to advance', async () =>
    (await page.evaluate(() => document.getElementById('player-video').currentTime)) > r0 + 1, 15000);
  log('the preview resumed after the input restarted');

  // Escape closes the dialog; the browser drops the connection and mlsd stops the preview.
  await page.keyboard.press('Escape');
  await page.waitForSelector('#dlg-player', {state: 'hidden'});
  await waitFor('mlsd to stop the preview', () => /preview 2 (closed by its client|ended)/.test(log1()), 10000);
  log('closing the dialog stopped the preview');

  // Errors: unknown input, and the cap (4 running).
  const unknown = await mlsd.api('GET', '/api/v1/preview/nope.mp4');
  assert(unknown.status === 404 && unknown.json?.error?.code === 'not_found', 'unknown input: 404 ' + unknown.text);
  const controllers = [];
  for (let i = 0; i < 4; i++) {
    const c = new AbortController();
    controllers.push(c);
    const r = await fetch(mlsd.url + '/api/v1/preview/cam1.mp4', {signal: c.signal});
    assert(r.status === 200, `preview ${i + 1}: ${r.status}`);
    r.body.getReader().read().catch(() => {});
  }
  const over = await mlsd.api('GET', '/api/v1/preview/cam1.mp4');
  assert(over.status === 503 && /too many previews/.test(over.json?.error?.message || ''), 'fifth preview: 503 ' + over.text);
  log('fifth preview refused:', over.json.error.message);
  for (const c of controllers) c.abort();
  await waitFor('every preview to stop', () => (mlsd.proc.output().match(/closed by its client/g) || []).length >= 5, 10000);

  // Deleting the input ends a running preview's response.
  const c = new AbortController();
  const r = await fetch(mlsd.url + '/api/v1/preview/cam1.mp4', {signal: c.signal});
  const reader = r.body.getReader();
  await reader.read();
  await mlsd.api('DELETE', '/api/v1/inputs/cam1');
  await waitFor('the response to end', async () => (await reader.read()).done, 10000);
  log('deleting the input ended the preview');

  // Shutdown with a preview playing: the response ends, and the exit audit finds nothing left
  // (--fail-on-leak would make the exit code non-zero).
  await mlsd.api('POST', '/api/v1/inputs', {name: 'cam2', url: 'test://ball?size=320x240&fps=15'});
  await waitFor('cam2 live', async () => (await mlsd.api('GET', '/api/v1/inputs/cam2')).json.state === 'live');
  const last = await fetch(mlsd.url + '/api/v1/preview/cam2.mp4');
  const lastReader = last.body.getReader();
  await lastReader.read();
  const code = await mlsd.stop();
  assert(code === 0, `mlsd exits cleanly with a preview playing (exit code ${code}):\n` + mlsd.proc.output().slice(-2500));
  await waitFor('the response to end', async () => (await lastReader.read().catch(() => ({done: true}))).done, 5000);
  log('shutdown with a preview playing: exit 0, nothing leaked');
  assert(page.errors.length === 0, 'no script errors: ' + page.errors.join('; '));
});
