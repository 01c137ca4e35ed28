// Recording from the web UI: start recording an input in the Recordings view, see the blinking
// indicator (there and on the Relays row), the segment being written and its size growing
// without a reload, stop it, and find the finished segment on disk.
import {readdirSync, statSync} from 'node:fs';
import path from 'node:path';
import {Mlsd, assert, launchBrowser, log, newPage, run, screenshot, testDir, waitFor} from './lib/harness.mjs';

run('recordings', async () => {
  const dir = testDir('recordings');
  const mlsd = new Mlsd(dir);
  await mlsd.start();
  await mlsd.api('POST', '/api/v1/inputs', {name: 'cam1', url: 'test://smpte?size=640x360&fps=25'});
  const browser = await launchBrowser();
  const page = await newPage(browser);
  await page.goto(mlsd.url + '/#recordings');
  const row = page.locator('#rec-inputs tr[data-input="cam1"]');
  await row.waitFor();
  await waitFor('cam1 live', async () => (await mlsd.api('GET', '/api/v1/inputs/cam1')).json.state === 'live');

  await page.click('button[aria-label="Start recording cam1"]');
  await waitFor('the recording badge', async () => (await row.locator('.badge').textContent()) === 'recording', 20000);
  assert(await row.locator('.rec-dot').count() === 1, 'a blinking dot while it records');
  const segment = await waitFor('the segment name', async () => {
    const t = (await row.locator('td.mono').textContent()).trim();
    return /^cam1_\d{8}T\d{6}Z(-\d+)?\.(mp4|ts)$/.test(t) ? t : null;
  });
  const written = async () => (await row.locator('.written').textContent()).trim();
  const first = await waitFor('bytes written', async () => ((await written()) !== '–' ? await written() : null));
  await waitFor('the size to grow without a reload', async () => (await written()) !== first, 10000);
  log(`recording ${segment}: ${first} → ${await written()}`);
  await screenshot(page, 'recordings-desktop-1280');
  await page.click('.tabs a[data-view="relays"]');
  assert(await page.locator('.row-grid[data-key="cam1"] .rec-dot').count() === 1, 'the Relays row shows it records');
  await page.click('.tabs a[data-view="recordings"]');

  await page.click('button[aria-label="Stop recording cam1"]');
  await waitFor('the recording to stop', async () => (await row.locator('.badge').textContent()) === 'stopped', 20000);
  assert(await row.locator('.rec-dot').count() === 0, 'no dot once stopped');
  const input = (await mlsd.api('GET', '/api/v1/inputs/cam1')).json;
  assert(input.record === false, 'record=false after stop');
  const files = readdirSync(path.join(dir, 'recordings', 'cam1')).filter((f) => !f.startsWith('.'));
  assert(files.includes(segment), `the segment is on disk: ${files.join(' ')}`);
  const size = statSync(path.join(dir, 'recordings', 'cam1', segment)).size;
  assert(size > 100000, `the segment has media (${size} bytes)`);
  assert(!readdirSync(path.join(dir, 'recordings', 'cam1')).includes(`.${segment}.open`), 'the segment was closed cleanly');
  log(`stopped; ${segment} is ${size} bytes`);
  assert(page.errors.length === 0, 'no script errors: ' + page.errors.join('; '));
});
