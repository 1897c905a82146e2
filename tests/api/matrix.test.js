// The scope matrix of issue 4: role × scope × object × action, generated.
//
// Two communities, A and B, each with units, assets, an acceptance check,
// households, persons and attachments.  Every business role gets a key (or,
// for the tenant, a session) scoped to A only — bureau and assessor to all
// communities as well, as a second column — plus admin, security and auditor.
// For every object of both communities and every action on it, the expected
// answer comes from the server's own OpenAPI document (x-roles) and the
// principal's scope:
//   role not in x-roles                    → 403
//   object outside the principal's scope   → 404 (it does not exist for them)
//   otherwise                              → neither 403 nor 404, never 5xx
// A tenant sees only its own household and its members.  Lists filtered by a
// community outside the scope return nothing of it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, cleanup, apikey, run } from './lib/server.js';

let s, boss;
before(async () => {
  s = await startServer({ schedules: 'false', job_workers: '0', reveal_per_hour: '10000', connection_timeout: '120' });
  boss = apikey(s.data.dir, 'bureau', 'matrix-setup', ['--all-communities']);
});
after(async () => { if (process.env.TEST_LOG) console.log(s.log.slice(-4000)); await s.stop(); cleanup(s); });

// A session-authenticated client (tenants have no API keys).
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
  call(method, path, { body, raw, headers = {} } = {}) {
    const h = { ...headers, Cookie: `anju_session=${this.cookie}` };
    if (method !== 'GET') h['X-CSRF-Token'] = this.csrf;
    return this.s.api(method, path, { body, raw, headers: h, token: null });
  }
}

// Check-digit-correct ID numbers in region 99 (nobody's).
function idNumber(seq) {
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const body = `990102${1970 + (seq % 30)}0${1 + (seq % 9)}1${seq % 10}${String(seq % 1000).padStart(3, '0')}`;
  const sum = [...body].reduce((a, c, i) => a + Number(c) * w[i], 0);
  return body + '10X98765432'[sum % 11];
}

const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
  '1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082', 'hex');

async function ok(r, what) {
  assert.ok(r.status >= 200 && r.status < 300, `${what}: ${r.status} ${r.text}`);
  return r.json;
}

// Builds one community with its objects (as the bureau, then operator staff
// of that community for the acceptance check).  Returns the ids.
async function community(name, seq) {
  const api = (m, p, body, token = boss) => s.api(m, p, { body, token });
  const c = await ok(await api('POST', '/api/v1/communities', { name, district: '咸安区' }), 'community');
  const b = await ok(await api('POST', '/api/v1/buildings', { community_id: c.id, name: '1', floors: 6, entrances: 2 }), 'building');
  const units = [];
  for (let i = 1; i <= 4; i++) {
    const u = await ok(await api('POST', '/api/v1/units', {
      building_id: b.id, entrance: 1, floor: i, number: `1-1-${i}01`, layout: '一室一厅',
      floor_area: 4500, usable_area: 3500,
    }), 'unit');
    units.push(u.id);
  }
  const assets = [];
  for (const unit of units.slice(0, 2)) {
    const a = await ok(await api('POST', '/api/v1/assets', { location: 'unit', unit_id: unit, type: '热水器', condition: 'good' }), 'asset');
    assets.push(a.id);
  }
  const staff = apikey(s.data.dir, 'operator_staff', `setup-${seq}`, ['--community', String(c.id)]);
  const check = await ok(await api('POST', `/api/v1/units/${units[0]}/acceptance`,
    { items: [{ room: '客厅', item: '墙面', condition: 'good' }] }, staff), 'acceptance');
  const households = [];
  const persons = [];
  for (let i = 0; i < 3; i++) {
    const h = await ok(await api('POST', '/api/v1/households', {
      community_id: c.id, category: 'low_income', hukou: '咸宁市', monthly_income_fen: 180000,
      members: [
        { name: `户主${seq}${i}`, id_number: idNumber(seq * 100 + i * 2), phone: `1000${seq}${i}000001`, relationship: 'head' },
        { name: `配偶${seq}${i}`, id_number: idNumber(seq * 100 + i * 2 + 1), relationship: 'spouse' },
      ],
    }), 'household');
    households.push(h.id);
    const full = await ok(await api('GET', `/api/v1/households/${h.id}`), 'household read');
    for (const m of full.members) persons.push(m.person_id ?? m.person.id);
  }
  const attachments = [];
  for (const [type, id] of [['unit', units[0]], ['household', households[0]]]) {
    const r = await s.api('POST', `/api/v1/attachments?owner_type=${type}&owner_id=${id}&category=photo&filename=p.png`,
      { raw: PNG, headers: { 'Content-Type': 'image/png' }, token: boss });
    attachments.push((await ok(r, 'attachment')).id);
  }
  return { id: c.id, building: b.id, units, assets, check: check.id, households, persons, attachments,
    headIdNumber: idNumber(seq * 100) };
}

// The actions on each kind of object: method, path, body.
function actions(o) {
  const list = [];
  const add = (method, path, body) => list.push({ method, path, body });
  add('GET', `/api/v1/communities/${o.id}`);
  add('GET', `/api/v1/buildings/${o.building}/grid`);
  for (const u of o.units) {
    add('GET', `/api/v1/units/${u}`);
    add('GET', `/api/v1/units/${u}/dossier`);
    add('PATCH', `/api/v1/units/${u}`, { orientation: '南北' });
    add('POST', `/api/v1/units/${u}/repair`, { reason: '矩阵测试' });
    add('POST', `/api/v1/units/${u}/disable`, { reason: '矩阵测试' });
    add('GET', `/api/v1/attachments?owner_type=unit&owner_id=${u}`);
  }
  for (const a of o.assets) {
    add('GET', `/api/v1/assets/${a}`);
    add('PATCH', `/api/v1/assets/${a}`, { condition: 'fair' });
  }
  add('GET', `/api/v1/acceptance-checks/${o.check}`);
  add('POST', `/api/v1/acceptance-checks/${o.check}/return`, { note: '矩阵测试' });
  for (const h of o.households) {
    add('GET', `/api/v1/households/${h}`);
    add('GET', `/api/v1/households/${h}/dossier`);
    add('PATCH', `/api/v1/households/${h}`, { employer: '咸宁市某单位' });
    add('GET', `/api/v1/attachments?owner_type=household&owner_id=${h}`);
  }
  for (const p of o.persons) {
    add('GET', `/api/v1/persons/${p}`);
    add('POST', `/api/v1/persons/${p}/reveal`, { field: 'id_number', reason: '矩阵测试核对' });
  }
  for (const a of o.attachments) {
    add('GET', `/api/v1/attachments/${a}`);
    add('GET', `/api/v1/attachments/${a}/content`);
  }
  return list;
}

// The OpenAPI operation a concrete path belongs to.
function operation(method, path) {
  const bare = path.split('?')[0];
  for (const [tpl, item] of Object.entries(s.openapi.paths)) {
    const re = new RegExp('^' + tpl.replace(/\{[^}]+\}/g, '[^/]+') + '$');
    if (re.test(bare) && item[method.toLowerCase()]) return item[method.toLowerCase()];
  }
  throw new Error(`no operation for ${method} ${path}`);
}

test('role × scope × object × action: 403 for a role, 404 outside the scope, never a leak', async () => {
  const A = await community('矩阵甲小区', 1);
  const B = await community('矩阵乙小区', 2);

  // Principals: [name, role, communities in scope ('all' or ids), send(method, path, opts)].
  const principals = [];
  const keyed = (role, name, scope) => {
    const flags = scope === 'all' ? ['--all-communities'] : scope.flatMap((c) => ['--community', String(c)]);
    const token = apikey(s.data.dir, role, name, role === 'admin' || role === 'security' || role === 'auditor' ? [] : flags);
    principals.push({ name, role, scope, send: (m, p, o = {}) => s.api(m, p, { ...o, token }) });
  };
  for (const role of ['bureau', 'operator_manager', 'operator_staff', 'finance', 'inspector', 'assessor'])
    keyed(role, `${role}-A`, [A.id]);
  keyed('bureau', 'bureau-all', 'all');
  keyed('assessor', 'assessor-all', 'all');
  for (const role of ['admin', 'security', 'auditor']) keyed(role, role, []);
  // The tenant: the head of A's first household, signed in with a session.
  const out = run(['user', 'add', '--data', s.data.dir, '--username', 'mtenant', '--role', 'tenant',
    '--person-id-number', A.headIdNumber, '--generate-password']);
  const pw = /initial password.*: (\S+)/.exec(out)[1];
  const tenant = new Session(s);
  assert.equal((await tenant.login('mtenant', pw)).status, 201);
  await tenant.call('POST', '/api/v1/me/password', { body: { old_password: pw, new_password: 'Tenant-Matrix-2026' } });
  assert.equal((await tenant.login('mtenant', 'Tenant-Matrix-2026')).status, 201);
  const own = await tenant.call('GET', '/api/v1/my/household');
  assert.equal(own.status, 200, own.text);
  const ownHousehold = A.households[0];
  const ownPersons = new Set(A.persons.slice(0, 2));
  principals.push({ name: 'tenant', role: 'tenant', scope: [], send: (m, p, o) => tenant.call(m, p, o) });

  // Whether an object (its community and the action's path) is visible to p.
  const visible = (p, comm, path) => {
    if (p.role === 'tenant') {
      const m = /\/(households|persons)\/(\d+)/.exec(path);
      if (!m) return false;
      return m[1] === 'households' ? Number(m[2]) === ownHousehold : ownPersons.has(Number(m[2]));
    }
    return p.scope === 'all' || p.scope.includes(comm);
  };

  const cases = [];
  for (const p of principals)
    for (const [obj, comm] of [[A, A.id], [B, B.id]])
      for (const a of actions(obj)) cases.push({ p, comm, ...a });

  const failures = [];
  let done = 0;
  const counts = { 403: 0, 404: 0, allowed: 0 };
  async function one(c) {
    const op = operation(c.method, c.path);
    const roles = op['x-roles'] || [];
    const allowed = roles.includes(c.p.role);
    // A tenant's attachment lookups go by the owner: its own household's only.
    const isAttachment = /\/attachments/.test(c.path);
    let see = visible(c.p, c.comm, c.path);
    if (c.p.role === 'tenant' && isAttachment) {
      const m = /owner_type=household&owner_id=(\d+)/.exec(c.path);
      see = (m && Number(m[1]) === ownHousehold) || (c.comm === A.id && c.path.includes(`/attachments/${A.attachments[1]}`));
    }
    const r = await c.p.send(c.method, c.path, { body: c.body });
    done++;
    const want = !allowed ? 403 : !see ? 404 : 'ok';
    let good;
    if (want === 'ok') {
      good = r.status < 500 && r.status !== 403 && r.status !== 404;
      // A list in scope answers; nothing else to check.
    } else if (want === 404 && r.status === 200 && Array.isArray(r.json?.items)) {
      // A list filtered by an owner outside the scope may answer empty.
      good = r.json.items.length === 0;
    } else {
      good = r.status === want;
    }
    counts[want === 'ok' ? 'allowed' : want]++;
    if (!good) failures.push(`${c.p.name} ${c.method} ${c.path}: want ${want}, got ${r.status} ${r.text.slice(0, 120)}`);
  }
  // A few requests at a time, in a fixed order.
  for (let i = 0; i < cases.length; i += 8) await Promise.all(cases.slice(i, i + 8).map(one));

  // Lists filtered by community: nothing of the other community leaks.
  for (const p of principals.filter((x) => x.role !== 'tenant')) {
    for (const path of ['/api/v1/units', '/api/v1/households', '/api/v1/assets', '/api/v1/acceptance-checks', '/api/v1/buildings']) {
      for (const comm of [A.id, B.id]) {
        const r = await p.send('GET', `${path}?community_id=${comm}`);
        done++;
        const roles = operation('GET', path)['x-roles'] || [];
        if (!roles.includes(p.role)) {
          if (r.status !== 403) failures.push(`${p.name} GET ${path}: want 403, got ${r.status}`);
          continue;
        }
        const inScope = p.scope === 'all' || p.scope.includes(comm);
        if (inScope) {
          if (r.status !== 200 || r.json.items.length === 0) failures.push(`${p.name} GET ${path}?community_id=${comm}: want items, got ${r.status}`);
        } else if (!(r.status === 404 || (r.status === 200 && r.json.items.length === 0))) {
          failures.push(`${p.name} GET ${path}?community_id=${comm}: leaked ${r.status} ${r.text.slice(0, 120)}`);
        }
      }
    }
  }
  console.log(`matrix: ${done} requests; 403: ${counts[403]}, 404: ${counts[404]}, allowed: ${counts.allowed}`);
  assert.deepEqual(failures, [], `${failures.length} of ${done} requests wrong`);
  assert.ok(done >= 1000, `${done} requests (403: ${counts[403]}, 404: ${counts[404]}, allowed: ${counts.allowed})`);
  assert.ok(counts[403] > 100 && counts[404] > 100 && counts.allowed > 100, JSON.stringify(counts));
});
