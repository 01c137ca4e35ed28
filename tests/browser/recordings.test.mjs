// Recording from the web UI: start recording an input in the Recordings view, see the blinking
// indicator (there and on the Relays row), the segment appear in the list and its size grow
// without a reload (recording.segment events), stop it (complete), play it in the page,
// download it, and delete it through the confirmation dialog (gone from the list and the disk).
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

  // The input's reload that starting a recording causes is answered with what the server had
  // when asked (not live yet) but delivered 1.5 s later, after the recorder's recording.state
  // event (each request has its own connection, so this happens): the event must win.
  const inputUrl = /\/api\/v1\/inputs\/cam1$/;
  let held = 0;
  await page.route(inputUrl, async (route) => {
    const response = await route.fetch();
    held++;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await route.fulfill({response});
  });
  await page.click('button[aria-label="Start recording cam1"]');
  await waitFor('the recording badge', async () => (await row.locator('.badge').textContent()) === 'recording', 20000);
  await waitFor('the held reload', async () => held > 0, 5000);
  await new Promise((resolve) => setTimeout(resolve, 2000));  // its answer is applied meanwhile
  assert((await row.locator('.badge').textContent()) === 'recording', 'an older answer undid the recording state');
  await page.unroute(inputUrl);
  assert(await row.locator('.rec-dot').count() === 1, 'a blinking dot while it records');
  const segment = await waitFor('the segment name', async () => {
    const t = (await row.locator('td.mono').textContent()).trim();
    return /^cam1_\d{8}T\d{6}Z(-\d+)?\.(mp4|ts)$/.test(t) ? t : null;
  });
  const written = async () => (await row.locator('.written').textContent()).trim();
  const first = await waitFor('bytes written', async () => ((await written()) !== '–' ? await written() : null));
  await waitFor('the size to grow without a reload', async () => (await written()) !== first, 10000);
  log(`recording ${segment}: ${first} → ${await written()}`);

  // The segment list follows over SSE: the row appears, and its size grows while written.
  const seg = page.locator(`#rec-segments tr[data-key="cam1/${segment}"]`);
  await seg.waitFor({timeout: 10000});
  const segSize = async () => (await seg.locator('td.size').textContent()).trim();
  const s0 = await waitFor('a size in the list', async () => ((await segSize()) !== '0 B' ? await segSize() : null), 10000);
  await waitFor('the listed size to grow', async () => (await segSize()) !== s0, 10000);
  assert((await seg.locator('.badge').textContent()) === 'recording', 'the segment shows as being recorded');
  assert(await seg.locator('button[aria-label^="Delete"]').isDisabled(), 'a segment being written cannot be deleted');
  log(`segment listed, size ${s0} → ${await segSize()}`);
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

  await waitFor('the segment to be complete', async () => (await seg.locator('.badge').textContent()) === 'complete', 15000);
  await screenshot(page, 'recordings-complete-desktop-1280');
  const phone = await newPage(browser, {width: 390, height: 844});
  await phone.goto(mlsd.url + '/#recordings');
  await phone.locator(`#rec-segments tr[data-key="cam1/${segment}"]`).waitFor();
  await screenshot(phone, 'recordings-phone-390');
  await phone.close();

  // Play it in the page.
  await seg.locator(`button[aria-label="Play ${segment}"]`).click();
  await page.waitForSelector('#dlg-player[open]');
  await waitFor('the recording to play', async () =>
    (await page.evaluate(() => document.getElementById('player-video').currentTime)) > 0.5, 15000);
  await page.keyboard.press('Escape');
  await page.waitForSelector('#dlg-player', {state: 'hidden'});
  log('played in the page');

  // Download it: the same bytes as on disk.
  const [download] = await Promise.all([page.waitForEvent('download'),
                                        seg.locator(`a[aria-label="Download ${segment}"]`).click()]);
  assert(download.suggestedFilename() === segment, 'downloaded under its name: ' + download.suggestedFilename());
  const downloaded = statSync(await download.path()).size;
  assert(downloaded === size, `download has the file's ${size} bytes (got ${downloaded})`);
  log(`downloaded ${downloaded} bytes`);

  // Delete it through the dialog.
  await seg.locator(`button[aria-label="Delete ${segment}"]`).click();
  await page.waitForSelector('#dlg-confirm[open]');
  assert((await page.textContent('#dlg-confirm')).includes(segment), 'the dialog names the file');
  await page.click('#dlg-confirm-ok');
  await waitFor('the row to go', async () => (await seg.count()) === 0, 10000);
  assert(!readdirSync(path.join(dir, 'recordings', 'cam1')).includes(segment), 'the file is gone');
  log('deleted');
  assert(page.errors.length === 0, 'no script errors: ' + page.errors.join('; '));
});
