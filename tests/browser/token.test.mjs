// mlsd with --api-token: the page reads without a token; the first change refused with 401
// opens the token prompt (a wrong token prompts again), the token is kept for the tab
// (sessionStorage) and later changes need no prompt.
import {Mlsd, assert, launchBrowser, log, newPage, run, testDir, waitFor} from './lib/harness.mjs';

run('token', async () => {
  const dir = testDir('token');
  const mlsd = new Mlsd(dir, {args: ['--api-token', 'tok-3f9a']});
  await mlsd.start();
  const browser = await launchBrowser();
  const page = await newPage(browser);
  await page.goto(mlsd.url + '/');
  await page.waitForSelector('#relay-empty:not([hidden])');
  await waitFor('the event stream', async () => (await page.textContent('#conn')) === 'live');

  const addInput = async (name) => {
    await page.click('#add-input');
    await page.fill('#in-name', name);
    await page.fill('#in-url', 'test://smpte?size=320x240&fps=15');
    await page.click('#dlg-input [data-submit]');
  };
  await addInput('cam1');
  await page.waitForSelector('#dlg-token[open]');
  await page.fill('#token', 'wrong');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#dlg-token[open]');  // asked again
  await page.fill('#token', 'tok-3f9a');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#dlg-input', {state: 'hidden'});
  await waitFor('cam1 in the list', async () => (await page.locator('.row-grid[data-key="cam1"]').count()) === 1);
  assert(await page.evaluate(() => sessionStorage.getItem('mls-api-token')) === 'tok-3f9a', 'token kept for the tab');
  log('token prompted, kept in sessionStorage');

  await addInput('cam2');
  await page.waitForSelector('#dlg-input', {state: 'hidden'});
  assert(await page.isHidden('#dlg-token'), 'no second prompt');
  await waitFor('cam2 in the list', async () => (await page.locator('.row-grid[data-key="cam2"]').count()) === 1);
  assert(page.errors.length === 0, 'no script errors: ' + page.errors.join('; '));
});
