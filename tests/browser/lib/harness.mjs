// The browser tests' harness: real peers started on 127.0.0.1 and free ports (mlsd, nginx with
// the RTMP module, Debian's chromium through playwright-core), waits on predicates with
// deadlines instead of sleeps, and a cleanup list that stops everything a test started — by
// pid, never by name. The node equivalent of tests/support/{mlsd,nginx_rtmp,ports}.cpp.
//
// Environment (set by tests/browser/meson.build): MLSD (the binary), MLS_BUILD_ROOT (where the
// output directory goes), CHROMIUM (default /usr/bin/chromium).
import {spawn} from 'node:child_process';
import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import {chromium} from 'playwright-core';

export const outputRoot = path.join(process.env.MLS_BUILD_ROOT || path.resolve('build'), 'tests', 'browser');
export const screenshotDir = path.join(outputRoot, 'screenshots');
mkdirSync(screenshotDir, {recursive: true});

const cleanups = [];
export function onCleanup(fn) { cleanups.unshift(fn); }
export async function cleanup() {
  for (const fn of cleanups.splice(0)) {
    try { await fn(); } catch (e) { console.error('cleanup:', e.message); }
  }
}

export function log(...args) { console.log(`[${new Date().toISOString().slice(11, 23)}]`, ...args); }

export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const {port} = server.address();
      server.close(() => resolve(port));
    });
  });
}

// Polls `predicate` (sync or async) until it returns a truthy value or `timeoutMs` passes.
export async function waitFor(what, predicate, timeoutMs = 20000, intervalMs = 100) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await predicate();
      if (last) return last;
    } catch (e) { last = e.message; }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

// The text of the first element matching `selector`, or null when there is none, read in one
// step inside the page. (A locator's count() then textContent() races the UI: a row removed in
// between leaves textContent() waiting its full 30 s timeout for an element that will never come.)
export function textOrNull(page, selector) {
  return page.evaluate((sel) => document.querySelector(sel)?.textContent ?? null, selector);
}

// A fresh directory for one test's files (peer configs, state, recordings, process logs); kept
// after a failure so its logs can be read, removed after a pass.
const testDirs = [];
export function testDir(name) {
  mkdirSync(path.join(outputRoot, 'runs'), {recursive: true});
  const dir = mkdtempSync(path.join(outputRoot, 'runs', name + '-'));
  testDirs.push(dir);
  return dir;
}

function startProcess(name, command, args, {logFile, env} = {}) {
  const child = spawn(command, args, {stdio: ['ignore', 'pipe', 'pipe'], env: {...process.env, ...env}});
  let output = '';
  const collect = (chunk) => {
    output += chunk;
    if (output.length > 400000) output = output.slice(-200000);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(signal ? 128 : code)));
  return {
    name, child, exited,
    output: () => output,
    running: () => child.exitCode === null && child.signalCode === null,
    saveLog: () => { if (logFile) writeFileSync(logFile, output); },
  };
}

async function stopProcess(p, graceMs = 15000) {
  if (!p.running()) return p.exited;
  p.child.kill('SIGTERM');
  const timer = setTimeout(() => { if (p.running()) p.child.kill('SIGKILL'); }, graceMs);
  const code = await p.exited;
  clearTimeout(timer);
  p.saveLog();
  return code;
}

// mlsd on 127.0.0.1:<port> (a free one unless given), state in `dir`/state.
export class Mlsd {
  constructor(dir, {port = 0, args = []} = {}) {
    this.dir = dir;
    this.port = port;
    this.args = args;
    this.runs = 0;
  }
  get url() { return `http://127.0.0.1:${this.port}`; }
  async start() {
    if (!this.port) this.port = await freePort();
    const stateDir = path.join(this.dir, 'state');
    mkdirSync(stateDir, {recursive: true});
    mkdirSync(path.join(this.dir, 'recordings'), {recursive: true});
    this.runs++;
    const args = ['--listen', `127.0.0.1:${this.port}`, '--rtsp-listen', '127.0.0.1:0', '--no-demo',
                  '--state-dir', stateDir, '--recordings-dir', path.join(this.dir, 'recordings'),
                  '--retry-initial', '0.5', '--retry-max', '2', ...this.args];
    this.proc = startProcess('mlsd', process.env.MLSD || 'build/src/mlsd', args,
                             {logFile: path.join(this.dir, `mlsd-${this.runs}.log`), env: {G_DEBUG: 'fatal-criticals'}});
    onCleanup(() => stopProcess(this.proc));
    await waitFor('mlsd to listen', async () => {
      if (!this.proc.running()) throw new Error('mlsd exited:\n' + this.proc.output().slice(-3000));
      const r = await fetch(this.url + '/healthz').catch(() => null);
      return r && r.ok;
    }, 20000);
    log(`mlsd listening on ${this.url}`);
  }
  async stop() { return stopProcess(this.proc); }
  async api(method, p, body) {
    const headers = body === undefined ? {} : {'Content-Type': 'application/json'};
    if (this.token) headers.Authorization = 'Bearer ' + this.token;
    const r = await fetch(this.url + p, {method, headers, body: body === undefined ? undefined : JSON.stringify(body)});
    const text = await r.text();
    let json = null;
    try { json = JSON.parse(text); } catch { /* not JSON */ }
    return {status: r.status, json, text};
  }
}

const RTMP_MODULE = '/usr/lib/nginx/modules/ngx_rtmp_module.so';

// nginx with the RTMP module: application "live" on 127.0.0.1:<port>, /stat on an HTTP port.
export class NginxRtmp {
  constructor(dir) {
    this.dir = path.join(dir, 'nginx');
    mkdirSync(path.join(this.dir, 'tmp'), {recursive: true});
  }
  rtmpUrl(app, key) { return `rtmp://127.0.0.1:${this.port}/${app}/${key}`; }
  async start() {
    if (!this.port) { this.port = await freePort(); this.httpPort = await freePort(); }
    const d = this.dir;
    writeFileSync(path.join(d, 'nginx.conf'), `# Written by tests/browser/lib/harness.mjs for one test.
load_module ${RTMP_MODULE};
daemon off;
master_process off;
worker_processes 1;
pid ${d}/nginx.pid;
error_log stderr info;
events { worker_connections 256; }
rtmp { server { listen 127.0.0.1:${this.port}; chunk_size 4096; application live { live on; record off; } } }
http {
  access_log ${d}/access.log;
  client_body_temp_path ${d}/tmp/body; proxy_temp_path ${d}/tmp/proxy; fastcgi_temp_path ${d}/tmp/fastcgi;
  uwsgi_temp_path ${d}/tmp/uwsgi; scgi_temp_path ${d}/tmp/scgi;
  server { listen 127.0.0.1:${this.httpPort}; location /stat { rtmp_stat all; } }
}
`);
    this.proc = startProcess('nginx', 'nginx', ['-p', d, '-c', path.join(d, 'nginx.conf'), '-e', 'stderr'],
                             {logFile: path.join(d, 'nginx.log')});
    onCleanup(() => this.stop());
    await waitFor('nginx to listen', async () => {
      if (!this.proc.running()) throw new Error('nginx exited:\n' + this.proc.output().slice(-2000));
      const r = await fetch(`http://127.0.0.1:${this.httpPort}/stat`).catch(() => null);
      return r && r.ok;
    }, 10000);
    log(`nginx-rtmp on ${this.port}`);
  }
  async stop() { if (this.proc) await stopProcess(this.proc, 5000); }
  // Streams being published, from /stat.
  async publishing() {
    const r = await fetch(`http://127.0.0.1:${this.httpPort}/stat`);
    const xml = await r.text();
    return [...xml.matchAll(/<stream>\s*<name>([^<]*)<\/name>[\s\S]*?<\/stream>/g)]
      .filter((m) => m[0].includes('<publishing/>')).map((m) => m[1]);
  }
}

// Debian's chromium, headless, no sandbox (containers), no background traffic.
export async function launchBrowser() {
  const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
  if (!existsSync(executablePath)) throw new Error(`${executablePath} is missing: ./tools/dev.sh setup --test installs it`);
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
           '--autoplay-policy=no-user-gesture-required'],
  });
  onCleanup(() => browser.close());
  return browser;
}

// A page that fails the test on any uncaught script error or console error.
export async function newPage(browser, viewport = {width: 1280, height: 860}) {
  const context = await browser.newContext({viewport, deviceScaleFactor: 1});
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push('pageerror: ' + e.message));
  // The browser logs every non-2xx response as an error; the API's refusals are expected.
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push('console: ' + m.text());
  });
  page.errors = errors;
  return page;
}

export async function screenshot(page, name) {
  const file = path.join(screenshotDir, name + '.png');
  await page.screenshot({path: file, fullPage: false});
  log('screenshot', file);
  return file;
}

export function assert(cond, message) {
  if (!cond) throw new Error('assertion failed: ' + message);
}

// Runs `body` as one test: cleanup always, exit code 0/1 for meson. Skips (77) when a peer
// program is missing.
export async function run(name, body) {
  const started = Date.now();
  let code = 0;
  try {
    await body();
    log(`PASS ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  } catch (e) {
    console.error(`FAIL ${name}:`, e.stack || e.message);
    code = 1;
  } finally {
    await cleanup();
  }
  if (code === 0) for (const dir of testDirs) rmSync(dir, {recursive: true, force: true});
  else console.error('logs kept in', testDirs.join(' '));
  process.exit(code);
}

export {readFileSync};
