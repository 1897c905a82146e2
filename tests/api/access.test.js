// Accounts, sign-in, sessions, CSRF, lockout, two-person approvals, and the
// role × endpoint matrix (403 wherever a role is not allowed).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, cleanup, apikey, run } from './lib/server.js';

let s;
before(async () => { s = await startServer({ schedules: 'false', job_workers: '0' }); });
after(async () => { await s.stop(); cleanup(s); });

// A browser-like client: keeps the session cookie and the CSRF token.
class Session {
  constructor(server) { this.s = server; this.cookie = null; this.csrf = null; }
  async login(username, password) {
    const r = await this.s.api('POST', '/api/v1/session', { body: { username, password }, token: null });
    if (r.status === 201) {
      this.cookie = /anju_session=([^;]*)/.exec(r.headers.get('set-cookie'))[1];
      this.csrf = r.json.csrf_token;
    }
    return r;
  }
  async call(method, path, body, { csrf = true } = {}) {
    const headers = { Cookie: `anju_session=${this.cookie}` };
    if (csrf && method !== 'GET') headers['X-CSRF-Token'] = this.csrf;
    return this.s.api(method, path, { body, headers, token: null });
  }
}

const NEW = { admin: 'Kestrel-Pass-2026', security: 'Harbor-Pass-2026', auditor: 'Lantern-Pass-2026' };

// Signs in with the initial password and changes it, as the console forces.
async function firstLogin(name) {
  const u = new Session(s);
  let r = await u.login(name, s.data.passwords[name]);
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.account.must_change_password, true);
  r = await u.call('GET', '/api/v1/accounts');
  assert.equal(r.status, 403);
  assert.equal(r.json.error.code, 'password_change_required');
  r = await u.call('POST', '/api/v1/me/password', { old_password: s.data.passwords[name], new_password: NEW[name] });
  assert.equal(r.status, 200, r.text);
  assert.equal((await u.call('GET', '/api/v1/me')).status, 401, 'the password change ends the session');
  r = await u.login(name, NEW[name]);
  assert.equal(r.status, 201);
  assert.equal(r.json.account.must_change_password, false);
  return u;
}

let admin, security;

test('the first sign-in forces a new password; sessions carry the role', async () => {
  admin = await firstLogin('admin');
  security = await firstLogin('security');
  const me = await admin.call('GET', '/api/v1/me');
  assert.equal(me.json.role, 'admin');
  assert.equal(me.json.csrf_token, admin.csrf, 'a tab opened by hand can get the token');
  assert.equal(me.json.kind, 'account');
  const cookie = (await admin.login('admin', NEW.admin)).headers.get('set-cookie');
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Strict/);
});

test('weak passwords are refused', async () => {
  const u = await firstLogin('auditor');
  for (const pw of ['short1A!', 'alllowercaseletters', 'Password1!', 'auditor-Xy12345']) {
    const r = await u.call('POST', '/api/v1/me/password', { old_password: NEW.auditor, new_password: pw });
    assert.equal(r.status, 422, pw);
    assert.equal(r.json.error.code, 'weak_password');
  }
  const r = await u.call('POST', '/api/v1/me/password', { old_password: 'wrong', new_password: 'Fine-Pass-2026' });
  assert.equal(r.json.error.code, 'wrong_password');
});

test('a cookie-authenticated change needs the CSRF token', async () => {
  let r = await admin.call('POST', '/api/v1/accounts', { username: 'csrf1', role: 'finance', all_communities: true }, { csrf: false });
  assert.equal(r.status, 403);
  assert.equal(r.json.error.code, 'csrf_failed');
  const saved = admin.csrf;
  admin.csrf = 'x'.repeat(43);
  r = await admin.call('POST', '/api/v1/accounts', { username: 'csrf1', role: 'finance', all_communities: true });
  assert.equal(r.json.error.code, 'csrf_failed');
  admin.csrf = saved;
});

test('five failures lock a username, existing or not, with the same answers', async () => {
  for (const name of ['nobody-here', 'security']) {
    for (let i = 1; i <= 5; i++) {
      const r = await new Session(s).login(name, 'Wrong-Pass-' + i);
      assert.equal(r.status, 401, `${name} attempt ${i}`);
      assert.equal(r.json.error.code, 'invalid_credentials');
    }
    const r = await new Session(s).login(name, name === 'security' ? NEW.security : 'whatever');
    assert.equal(r.status, 429);
    assert.equal(r.json.error.code, 'account_locked');
  }
  // Security can unlock (an API key of that role, since the account is locked).
  const key = apikey(s.data.dir, 'security', 'unlocker');
  const r = await s.api('POST', '/api/v1/unlock', { body: { username: 'security' }, token: key });
  assert.equal(r.status, 200);
  assert.equal((await new Session(s).login('security', NEW.security)).status, 201);
});

test('signing out ends the session', async () => {
  const u = new Session(s);
  await u.login('admin', NEW.admin);
  assert.equal((await u.call('DELETE', '/api/v1/session')).status, 200);
  assert.equal((await u.call('GET', '/api/v1/me')).status, 401);
});

test('an account is created only when a second person approves it', async () => {
  const body = { username: 'clerk1', display_name: '王小明', role: 'operator_staff', communities: [1], reason: '新员工' };
  let r = await admin.call('POST', '/api/v1/accounts', body);
  assert.equal(r.status, 202, r.text);
  const id = r.json.approval.id;
  assert.equal(r.json.approval.state, 'pending');
  assert.equal(r.json.approval.can_decide, false);
  assert.equal(r.json.approval.can_cancel, true);
  // Who asks can never approve.
  r = await admin.call('POST', `/api/v1/approvals/${id}/approve`, {});
  assert.equal(r.status, 403);
  assert.equal(r.json.error.code, 'self_approval');
  // Not yet an account.
  assert.equal((await new Session(s).login('clerk1', 'x')).status, 401);
  r = await security.call('GET', '/api/v1/approvals?state=pending&mine=true');
  assert.equal(r.json.items.some((a) => a.id === id), false, 'security did not ask for it');
  assert.equal((await admin.call('GET', '/api/v1/approvals?mine=true')).json.items[0].id, id);
  r = await security.call('GET', '/api/v1/approvals?state=pending');
  const item = r.json.items.find((a) => a.id === id);
  assert.equal(item.can_decide, true);
  r = await security.call('POST', `/api/v1/approvals/${id}/approve`, { note: '同意' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.approval.state, 'approved');
  const pw = r.json.result.initial_password;
  assert.ok(pw.length >= 10);
  assert.equal(JSON.stringify(r.json.approval).includes(pw), false, 'the password is shown once, never stored');
  r = await security.call('POST', `/api/v1/approvals/${id}/approve`, {});
  assert.equal(r.status, 409);
  const clerk = new Session(s);
  r = await clerk.login('clerk1', pw);
  assert.equal(r.status, 201);
  assert.equal(r.json.account.role, 'operator_staff');
  assert.deepEqual(r.json.account.scope, { all: false, communities: [1] });
  // Rules are checked when asking: a role that needs a set cannot have all.
  r = await admin.call('POST', '/api/v1/accounts', { username: 'clerk2', role: 'inspector', all_communities: true });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.code, 'scope_must_be_set');
  r = await admin.call('POST', '/api/v1/accounts', { username: 'clerk1', role: 'finance', all_communities: true });
  assert.equal(r.status, 409);
  // A rejection needs a reason and runs nothing.
  r = await admin.call('POST', '/api/v1/accounts', { username: 'clerk3', role: 'finance', all_communities: true });
  const id3 = r.json.approval.id;
  assert.equal((await security.call('POST', `/api/v1/approvals/${id3}/reject`, {})).status, 400);
  r = await security.call('POST', `/api/v1/approvals/${id3}/reject`, { note: '无此岗位' });
  assert.equal(r.json.approval.state, 'rejected');
  assert.equal((await new Session(s).login('clerk3', 'x')).json.error.code, 'invalid_credentials');
});

test('every role outside an endpoint\'s x-roles gets 403', async () => {
  const roles = ['admin', 'security', 'auditor', 'bureau', 'operator_manager', 'operator_staff', 'finance', 'inspector', 'assessor'];
  const keys = {};
  for (const r of roles) {
    const scope = ['operator_manager', 'operator_staff', 'inspector'].includes(r) ? ['--community', '1']
      : ['bureau', 'finance', 'assessor'].includes(r) ? ['--all-communities'] : [];
    keys[r] = apikey(s.data.dir, r, 'matrix-' + r, scope);
  }
  let checked = 0;
  for (const [path, item] of Object.entries(s.openapi.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!op['x-roles']) continue;
      for (const role of roles.filter((x) => !op['x-roles'].includes(x))) {
        const r = await s.api(method.toUpperCase(), path.replace(/\{[^}]+\}/g, '1'), { body: method === 'get' ? undefined : {}, token: keys[role] });
        assert.equal(r.status, 403, `${role} ${method} ${path}: ${r.status}`);
        assert.equal(r.json.error.code, 'forbidden');
        checked++;
      }
    }
  }
  // A tenant signs in with a session (tenants have no API keys).
  const out = run(['user', 'add', '--data', s.data.dir, '--username', 'tenant1', '--role', 'tenant',
    '--name', '张三', '--id-number', '11010519491231002X', '--phone', '13800138000', '--generate-password']);
  const tenant = new Session(s);
  const pw = /initial password.*: (\S+)/.exec(out)[1];
  await tenant.login('tenant1', pw);
  await tenant.call('POST', '/api/v1/me/password', { old_password: pw, new_password: 'Tenant-Home-88' });
  assert.equal((await tenant.login('tenant1', 'Tenant-Home-88')).status, 201);
  for (const [path, item] of Object.entries(s.openapi.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!op['x-roles'] || op['x-roles'].includes('tenant')) continue;
      const r = await tenant.call(method.toUpperCase(), path.replace(/\{[^}]+\}/g, '1'), method === 'get' ? undefined : {});
      assert.equal(r.status, 403, `tenant ${method} ${path}: ${r.status}`);
      checked++;
    }
  }
  assert.ok(checked > 50, `${checked} combinations`);
});

test('API keys: shown once, revocable, never usable for the three powers from the API', async () => {
  let r = await security.call('POST', '/api/v1/api-keys', { name: '门禁控制器', role: 'operator_staff', communities: [1] });
  assert.equal(r.status, 201);
  const key = r.json.key, id = r.json.id;
  assert.equal((await s.api('GET', '/api/v1/me', { token: key })).json.role, 'operator_staff');
  r = await security.call('GET', '/api/v1/api-keys');
  assert.equal(JSON.stringify(r.json).includes(key), false);
  assert.equal((await security.call('POST', `/api/v1/api-keys/${id}/revoke`)).status, 200);
  assert.equal((await s.api('GET', '/api/v1/me', { token: key })).status, 401);
  r = await security.call('POST', '/api/v1/api-keys', { name: 'x', role: 'admin' });
  assert.equal(r.status, 403);
});

test('the audit trail records sign-ins, failures, locks and approvals, and verifies', async () => {
  const auditor = new Session(s);
  assert.equal((await auditor.login('auditor', NEW.auditor)).status, 201);
  let r = await auditor.call('GET', '/api/v1/audit?limit=200');
  assert.equal(r.status, 200);
  const actions = new Set(r.json.items.map((x) => x.action));
  for (const a of ['session.login', 'session.login_failed', 'session.locked', 'account.create', 'approval.request', 'approval.approve', 'account.change_password']) {
    assert.ok(actions.has(a), a);
  }
  assert.equal(JSON.stringify(r.json).includes(NEW.admin), false, 'no password in the trail');
  r = await auditor.call('GET', '/api/v1/audit/verify');
  assert.equal(r.json.intact, true);
  // admin may not read it.
  assert.equal((await admin.call('GET', '/api/v1/audit')).status, 403);
});

test('behind a trusted TLS proxy the session cookie is Secure', async () => {
  const p = await startServer({ schedules: 'false', job_workers: '0', trusted_proxies: '127.0.0.1' });
  try {
    const body = { username: 'admin', password: p.data.passwords.admin };
    let r = await p.api('POST', '/api/v1/session', { body, token: null, headers: { 'X-Forwarded-Proto': 'https' } });
    assert.equal(r.status, 201);
    assert.match(r.headers.get('set-cookie'), /; Secure/);
    r = await p.api('POST', '/api/v1/session', { body, token: null });
    assert.doesNotMatch(r.headers.get('set-cookie'), /Secure/);
  } finally { await p.stop(); cleanup(p); }
});
