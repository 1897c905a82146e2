// Starts a real `anju serve` on a loopback port with a fresh data directory,
// on SQLite or on the private PostgreSQL cluster (ANJU_TEST_PG_URL) when
// ANJU_TEST_ENGINE=postgresql, and wraps requests so that every response is
// checked against the server's own OpenAPI document.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createValidator } from './openapi.js';

export const ROOT = resolve(import.meta.dirname, '../../..');
export const BIN = process.env.ANJU_BIN || join(ROOT, 'build/asan/anju');
export const ENGINE = process.env.ANJU_TEST_ENGINE || 'sqlite';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A new empty PostgreSQL database on the test cluster; returns its URL.
export function newPgDatabase() {
  const base = process.env.ANJU_TEST_PG_URL;
  if (!base) throw new Error('ANJU_TEST_ENGINE=postgresql needs ANJU_TEST_PG_URL');
  const name = 't_' + randomBytes(6).toString('hex');
  execFileSync('psql', [base, '-q', '-c', `CREATE DATABASE ${name}`], { stdio: 'pipe' });
  const url = new URL(base);
  url.pathname = '/' + name;
  return url.toString();
}

export function run(args, opts = {}) {
  return execFileSync(BIN, args, { encoding: 'utf8', stdio: 'pipe', ...opts });
}

// Creates a data directory (anju init) and returns {dir, token, passwords}:
// token is an admin API key made with the command line, passwords the
// initial passwords of the three accounts anju init creates.
export function initData(extra = []) {
  const dir = join(mkdtempSync(join(tmpdir(), 'anju-api-')), 'data');
  const args = ['init', '--data', dir, ...extra];
  if (ENGINE === 'postgresql') args.push('--db', newPgDatabase());
  const out = run(args);
  const passwords = {};
  for (const m of out.matchAll(/^\s+(\w+)\s+\S+\s+initial password: (\S+)$/gm)) passwords[m[1]] = m[2];
  const token = apikey(dir, 'admin', 'api-tests');
  return { dir, token, passwords };
}

// A new API key of role (with extra flags, e.g. scope) made with the command line.
export function apikey(dir, role, name, extra = []) {
  const out = run(['apikey', 'create', '--data', dir, '--role', role, '--name', name, ...extra]);
  return out.trim().split('\n').pop();
}

// One statement straight into a server's database (s: a Server, or a data
// directory), by psql or sqlite3; sqlite3 waits up to 10 s for the server's
// own writers to let go of the lock.  The tests' time machine; returns what
// the statement printed, trimmed.
export function dbExec(s, sql) {
  const dir = s.data?.dir ?? s;
  const url = /^db\s*=\s*(\S+)/m.exec(readFileSync(join(dir, 'anju.conf'), 'utf8'));
  const out = url
    ? execFileSync('psql', ['-At', '-q', '-v', 'ON_ERROR_STOP=1', '-c', sql, url[1]], { encoding: 'utf8', stdio: 'pipe' })
    : execFileSync('sqlite3', ['-cmd', '.timeout 10000', join(dir, 'anju.db'), sql], { encoding: 'utf8', stdio: 'pipe' });
  return out.trim();
}

// Runs `anju ledger check` over a server's data directory while the server
// keeps running (the check reads one snapshot and writes nothing); returns
// its output, or throws with the failures it names when the books do not
// balance.  Money tests call it in their after hook, before stopping.
export async function ledgerCheck(s) {
  try {
    return run(['ledger', 'check', '--data', s.data.dir]);
  } catch (err) {
    throw new Error(`anju ledger check failed (exit ${err.status}):\n${err.stdout ?? ''}${err.stderr ?? ''}`);
  }
}

export class Server {
  constructor(data, settings = {}) {
    this.data = data;
    // Idle connections outlive the client's keep-alive (4 s), so a test that
    // pauses (command-line calls) never reuses one the server is closing.
    this.settings = { log_level: 'info', connection_timeout: '30', ...settings };
    this.log = '';
    this.proc = null;
  }

  async start() {
    const args = ['serve', '--data', this.data.dir, '--listen', '127.0.0.1:0'];
    for (const [k, v] of Object.entries(this.settings)) args.push('--' + k, String(v));
    this.log = '';
    this.proc = spawn(BIN, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: ROOT });
    this.proc.stderr.on('data', (d) => { this.log += d; });
    this.exited = new Promise((res) => this.proc.on('exit', (code, signal) => res({ code, signal })));
    let out = '';
    this.port = await new Promise((res, rej) => {
      const timer = setTimeout(() => rej(new Error('anju serve did not start:\n' + this.log)), 20000);
      this.proc.stdout.on('data', (d) => {
        out += d;
        const m = /listening on port (\d+)/.exec(out);
        if (m) { clearTimeout(timer); res(Number(m[1])); }
      });
      this.proc.on('exit', (code) => { clearTimeout(timer); rej(new Error(`anju serve exited ${code}:\n${this.log}`)); });
    });
    this.base = `http://127.0.0.1:${this.port}`;
    if (!this.validator) {
      const r = await fetch(this.base + '/api/v1/openapi.json');
      this.openapi = await r.json();
      this.validator = createValidator(this.openapi);
    }
    return this;
  }

  // Sends a request; checks the response against the OpenAPI document.
  async api(method, path, { body, raw, headers = {}, token = this.data.token, check = true } = {}) {
    const h = { ...headers };
    if (token) h.Authorization = 'Bearer ' + token;
    let payload;
    if (raw !== undefined) payload = raw;
    else if (body !== undefined) { payload = JSON.stringify(body); h['Content-Type'] ??= 'application/json'; }
    let res;
    try {
      res = await fetch(this.base + path, { method, headers: h, body: payload });
    } catch (err) {
      // A kept-alive connection the server closed at its idle timeout just as
      // it was reused: a GET is retried once on a new one, as browsers do.
      if (method !== 'GET' || err?.cause?.code !== 'UND_ERR_SOCKET') throw err;
      res = await fetch(this.base + path, { method, headers: h, body: payload });
    }
    const text = await res.text();
    let json = null;
    if ((res.headers.get('content-type') || '').startsWith('application/json') && text.length) json = JSON.parse(text);
    if (check && path.startsWith('/api/')) this.validator.check(method, path, res.status, json, res.headers);
    return { status: res.status, json, text, headers: res.headers };
  }

  async stop(signal = 'SIGTERM') {
    if (!this.proc || this.proc.exitCode !== null) return this.exited && (await this.exited);
    this.proc.kill(signal);
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 40000);
    const r = await this.exited;
    clearTimeout(timer);
    return r;
  }

  // Waits (bounded) until the server's log matches re; the access log line of a
  // request is written when the request completes, just after its response.
  async waitLog(re, ms = 5000) {
    const until = Date.now() + ms;
    while (!re.test(this.log)) {
      if (Date.now() > until) return false;
      await sleep(20);
    }
    return true;
  }

  // Polls a job until it ends; returns the final job.
  async waitJob(id, ms = 60000) {
    const until = Date.now() + ms;
    for (;;) {
      const r = await this.api('GET', `/api/v1/jobs/${id}`);
      if (r.status !== 200) throw new Error(`GET job ${id}: ${r.status} ${r.text}`);
      if (!['queued', 'running'].includes(r.json.state)) return r.json;
      if (Date.now() > until) throw new Error(`job ${id} still ${r.json.state}`);
      await sleep(100);
    }
  }
}

export async function startServer(settings = {}, initArgs = []) {
  const data = initData(initArgs);
  const s = new Server(data, settings);
  await s.start();
  return s;
}

export function cleanup(server) {
  if (server?.data?.dir) rmSync(resolve(server.data.dir, '..'), { recursive: true, force: true });
}

export { sleep };
