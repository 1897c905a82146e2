// Arrears, dunning (催缴), the arrears referral and the SMS outbox over HTTP
// (issue 7 §3, part B) against a real server, on either engine: the daily
// run (on demand) opens cases at their levels; the worklist shows months
// owed (cumulative), ageing and levels, filtered and scoped; the reminder's
// SMS leaves through the outbox to a local receiver that fails twice and
// then accepts (retries with back-off, signed with HMAC-SHA256, the phone
// only in the request); a message that keeps failing is failed, then sent
// again by a person's retry; staff record actions and print the notice PDF
// (text checked by pdftotext); six months owed propose a referral that
// only the bureau decides (operator roles and finance 403 bureau_only),
// and its referral opens the eviction; a case closes itself once paid;
// levels and the referral threshold are edited by whom they belong to;
// bad input is a 4xx.  The ledger check passes at the end.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createHmac } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, cleanup, apikey, ledgerCheck, sleep, dbExec } from './lib/server.js';

let s;
const keys = {};
const ids = {};
const SECRET = 'dunning-test-secret-0123456789';

const as = (role, method, path, body) => s.api(method, path, { body, token: keys[role] });

function idNumber(birth, n) {
  const d17 = '990101' + birth + String(n).padStart(3, '0');
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(d17[i]) * w[i];
  return d17 + '10X98765432'[sum % 11];
}

// Today and days around it in Asia/Shanghai.
function day(n = 0) {
  const d = new Date(Date.now() + 8 * 3600e3);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}
function monthsAgo(m) {
  const d = new Date(Date.now() + 8 * 3600e3);
  d.setUTCMonth(d.getUTCMonth() - m);
  return d.toISOString().slice(0, 10);
}

function expectError(r, status, code, field) {
  assert.equal(r.status, status, r.text);
  if (code) assert.equal(r.json.error.code, code, r.text);
  if (field !== undefined) assert.equal(r.json.error.field, field, r.text);
}

async function ok(p, status = 200) {
  const r = await p;
  assert.equal(r.status, status, r.text);
  return r.json;
}

function pdfText(buf) {
  const dir = mkdtempSync(join(tmpdir(), 'anju-dunning-'));
  try {
    writeFileSync(join(dir, 'n.pdf'), buf);
    return execFileSync('pdftotext', ['-enc', 'UTF-8', join(dir, 'n.pdf'), '-']).toString('utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function bytes(path, token) {
  const res = await fetch(s.base + path, { headers: { Authorization: 'Bearer ' + token } });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

// The SMS gateway: records every request; `failures` answers 500 that many
// times before accepting (Infinity: always).
const receiver = { requests: [], failures: 0, server: null, url: '' };

function startReceiver() {
  receiver.server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d) => { if (body.length < 65536) body += d; });
    req.on('end', () => {
      receiver.requests.push({ headers: req.headers, body });
      if (receiver.failures > 0) {
        receiver.failures--;
        res.writeHead(500).end('down');
      } else {
        res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"ok":true}');
      }
    });
  });
  return new Promise((r) => receiver.server.listen(0, '127.0.0.1', () => {
    receiver.url = `http://127.0.0.1:${receiver.server.address().port}/sms`;
    r();
  }));
}

async function vacantUnit(building, number) {
  const u = await ok(as('bureau', 'POST', '/api/v1/units', {
    building_id: building, entrance: 1, floor: 3, number, layout: '一室一厅', floor_area: 4800, usable_area: 3900,
  }), 201);
  const k = await ok(as('staff', 'POST', `/api/v1/units/${u.id}/acceptance`, { items: [{ room: '客厅', item: '墙面', condition: 'good' }] }), 201);
  await ok(as('staff', 'POST', `/api/v1/acceptance-checks/${k.id}/sign`));
  await ok(as('bureau', 'POST', `/api/v1/acceptance-checks/${k.id}/confirm`));
  return u.id;
}

const PDF = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');

// A household of one head (with a phone) and its existing paper lease, in
// force since eleven months ago for two years: {household, lease, chain}.
async function tenancy(name, n, phone, unitId) {
  const h = await ok(as('bureau', 'POST', '/api/v1/households', {
    community_id: ids.a, category: 'low_income', local_hukou: true, monthly_income_fen: 100000,
    members: [{ name, id_number: idNumber('19800101', n), phone, relationship: 'head' }],
  }), 201);
  const l = await ok(as('manager', 'POST', '/api/v1/leases', {
    household_id: h.id, unit_id: unitId, starts_on: monthsAgo(11), term_months: 24,
    monthly_rent_fen: 45000, deposit_fen: 0, existing: true, existing_reason: '试点前已签纸质合同',
  }), 201);
  const q = new URLSearchParams({ owner_type: 'lease', owner_id: String(l.id), category: 'contract' });
  const scan = await ok(s.api('POST', `/api/v1/attachments?${q}`, {
    token: keys.staff, raw: PDF, headers: { 'Content-Type': 'application/octet-stream' },
  }), 201);
  await ok(as('staff', 'POST', `/api/v1/leases/${l.id}/sign`, {
    signature_kind: 'scan', signature_attachment_id: scan.id, signed_on: monthsAgo(11),
  }));
  return { household: h.id, lease: l.id, chain: l.chain_id };
}

let periodSeq = 0;
// A rent charge of the chain, due `days` from today, for a period of its
// own: raised by finance through the money core (a manual charge), then
// given its source, the chain, as the billing run would have raised it.
async function rent(t, days, fen) {
  const period = `20${String(10 + Math.floor(periodSeq / 12)).padStart(2, '0')}-${String(1 + (periodSeq % 12)).padStart(2, '0')}`;
  periodSeq++;
  const c = await ok(as('finance', 'POST', '/api/v1/charges', {
    household_id: t.household, kind: 'rent', amount_fen: fen, due_on: day(days), period,
  }), 201);
  dbExec(s, `UPDATE charge SET source_type = 'lease_chain', source_id = ${t.chain} WHERE id = ${c.id}`);
  return c.id;
}

let payments = 0;
async function pay(t, fen) {
  payments++;
  return ok(s.api('POST', '/api/v1/payments', {
    token: keys.finance, headers: { 'Idempotency-Key': `dunning-pay-${payments}` },
    body: { household_id: t.household, amount_fen: fen, channel: 'bank_transfer', channel_ref: `DUN-${payments}` },
  }), 201);
}

async function runDunning() {
  const r = await ok(as('manager', 'POST', '/api/v1/dunning-runs'), 202);
  assert.equal(r.job.kind, 'dunning_daily');
  const job = await s.waitJob(r.job.id);
  assert.equal(job.state, 'succeeded', JSON.stringify(job));
  return job.result;
}

async function waitFor(fn, ms = 30000) {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error('timed out\n' + s.log.slice(-3000));
    await sleep(200);
  }
}

async function message(id) {
  return ok(as('manager', 'GET', `/api/v1/outbox/${id}`));
}

before(async () => {
  await startReceiver();
  s = await startServer({ schedules: 'false', job_workers: '1', connection_timeout: '60' });
  keys.bureau = apikey(s.data.dir, 'bureau', 'dunning-bureau', ['--all-communities']);
  keys.admin = s.data.token;
  let r = await ok(as('bureau', 'POST', '/api/v1/communities', { name: '长安花苑公租房' }), 201);
  ids.a = r.id;
  r = await ok(as('bureau', 'POST', '/api/v1/communities', { name: '肖桥公租房' }), 201);
  ids.b = r.id;
  keys.manager = apikey(s.data.dir, 'operator_manager', 'dunning-manager', ['--community', String(ids.a)]);
  keys.staff = apikey(s.data.dir, 'operator_staff', 'dunning-staff', ['--community', String(ids.a)]);
  keys.staffB = apikey(s.data.dir, 'operator_staff', 'dunning-staff-b', ['--community', String(ids.b)]);
  keys.finance = apikey(s.data.dir, 'finance', 'dunning-finance', ['--all-communities']);
  keys.assessor = apikey(s.data.dir, 'assessor', 'dunning-assessor', ['--all-communities']);
  keys.auditor = apikey(s.data.dir, 'auditor', 'dunning-auditor');
  const b = await ok(as('bureau', 'POST', '/api/v1/buildings', { community_id: ids.a, name: '7', floors: 6, entrances: 1 }), 201);
  ids.reminded = await tenancy('王一', 21, '13900000001', await vacantUnit(b.id, '7-1-301'));
  ids.owing = await tenancy('赵二', 22, '13900000002', await vacantUnit(b.id, '7-1-302'));
  ids.late = await tenancy('孙三', 23, '13900000003', await vacantUnit(b.id, '7-1-303'));
});

after(async () => {
  if (process.env.TEST_LOG) console.log(s.log.slice(-4000));
  try {
    await ledgerCheck(s);
  } finally {
    await s.stop();
    cleanup(s);
    receiver.server.close();
  }
});

test('the SMS sender: the admin sets it, the secret is never shown', async () => {
  expectError(await as('manager', 'PUT', '/api/v1/outbox-sender', { url: receiver.url }), 403);
  expectError(await as('admin', 'PUT', '/api/v1/outbox-sender', { url: 'ftp://example.org/x' }), 400, 'invalid_url', 'url');
  expectError(await as('admin', 'PUT', '/api/v1/outbox-sender', { secret: 'short' }), 400, 'invalid_secret', 'secret');
  expectError(await as('admin', 'PUT', '/api/v1/outbox-sender', { max_attempts: 0 }), 400, undefined, 'max_attempts');
  const set = await ok(as('admin', 'PUT', '/api/v1/outbox-sender', {
    url: receiver.url, secret: SECRET, timeout_seconds: 5, max_attempts: 5, backoff_seconds: 1,
  }));
  assert.equal(set.url, receiver.url);
  assert.equal(set.secret_set, true);
  assert.equal(set.secret, undefined);
  assert.ok(!JSON.stringify(set).includes(SECRET));
  // The business data stays out of the admin's reach.
  expectError(await as('admin', 'GET', '/api/v1/outbox'), 403);
  expectError(await as('admin', 'GET', '/api/v1/arrears'), 403);
});

test('the daily run opens cases at their levels; the worklist shows months owed and ageing', async () => {
  receiver.failures = 2;
  await rent(ids.reminded, -12, 45000);                  // the reminder (10 days): an SMS
  for (let i = 0; i < 6; i++) await rent(ids.owing, -(31 + 30 * i), 45000); // six months, oldest 181 days
  await rent(ids.late, -3, 45000);                       // owes, before any level
  const result = await runDunning();
  assert.equal(result.opened, 2);
  assert.equal(result.proposed, 1);
  assert.equal(result.sms, 1);
  expectError(await as('staff', 'POST', '/api/v1/dunning-runs'), 403);

  const list = await ok(as('staff', 'GET', '/api/v1/arrears'));
  const byChain = Object.fromEntries(list.items.map((x) => [x.chain_id, x]));
  assert.equal(list.items.length, 3);
  const owing = byChain[ids.owing.chain];
  assert.equal(owing.months_owed, 6);
  assert.equal(owing.owed_fen, 270000);
  assert.equal(owing.level, 'final');
  assert.equal(owing.level_name, '最后催告');
  assert.deepEqual(owing.buckets, { d0_30: 0, d31_90: 90000, d91_180: 135000, over_180: 45000 });
  assert.equal(owing.days_past_due, 181);
  assert.ok(owing.referral_id > 0);
  assert.match(owing.head_name, /^赵\*/);
  assert.equal(byChain[ids.reminded.chain].level, 'reminder');
  assert.equal(byChain[ids.late.chain].case_id, null);
  // Filters: months, level, community, scope.
  let r = await ok(as('finance', 'GET', '/api/v1/arrears?min_months=6'));
  assert.deepEqual(r.items.map((x) => x.chain_id), [ids.owing.chain]);
  r = await ok(as('finance', 'GET', '/api/v1/arrears?level=none'));
  assert.deepEqual(r.items.map((x) => x.chain_id), [ids.late.chain]);
  r = await ok(as('finance', 'GET', `/api/v1/arrears?community_id=${ids.b}`));
  assert.equal(r.items.length, 0);
  r = await ok(as('staffB', 'GET', '/api/v1/arrears'));
  assert.equal(r.items.length, 0);
  r = await ok(as('finance', 'GET', '/api/v1/arrears?limit=1'));
  assert.equal(r.items.length, 1);
  assert.ok(r.next);
  r = await ok(as('finance', 'GET', `/api/v1/arrears?limit=5&cursor=${r.next}`));
  assert.equal(r.items.length, 2);
  // As of before the oldest was due: nothing.
  r = await ok(as('finance', 'GET', `/api/v1/arrears?as_of=${day(-400)}`));
  assert.equal(r.items.length, 0);
  // Per household and per chain, with the charges behind them.
  const hh = await ok(as('assessor', 'GET', `/api/v1/households/${ids.owing.household}/arrears`));
  assert.equal(hh.months_owed, 6);
  assert.equal(hh.chains[0].charges.length, 6);
  const ch = await ok(as('assessor', 'GET', `/api/v1/lease-chains/${ids.owing.chain}/arrears?as_of=${day(-100)}`));
  assert.equal(ch.months_owed, 3);
  expectError(await as('staffB', 'GET', `/api/v1/lease-chains/${ids.owing.chain}/arrears`), 404);
  expectError(await as('staffB', 'GET', `/api/v1/households/${ids.owing.household}/arrears`), 404);
  expectError(await as('auditor', 'GET', '/api/v1/arrears'), 403);
  // Bad input.
  expectError(await as('finance', 'GET', '/api/v1/arrears?as_of=2026-02-30'), 400, undefined, 'as_of');
  expectError(await as('finance', 'GET', '/api/v1/arrears?min_months=0'), 400, undefined, 'min_months');
  expectError(await as('finance', 'GET', '/api/v1/arrears?cursor=x'), 400, undefined, 'cursor');
  expectError(await as('finance', 'GET', '/api/v1/dunning-cases/999999'), 404, 'dunning_case_not_found');
});

test('the reminder SMS: the receiver fails twice, then accepts; signed; phone only in the request', async () => {
  const box = await ok(as('manager', 'GET', '/api/v1/outbox'));
  assert.equal(box.items.length, 1);
  const id = box.items[0].id;
  assert.ok(!JSON.stringify(box).includes('13900000001'));
  assert.match(box.items[0].text, /450\.00元/);
  const sent = await waitFor(async () => {
    const m = await message(id);
    return m.state === 'sent' ? m : null;
  });
  assert.equal(sent.attempts, 3);
  assert.equal(sent.last_error, null);
  assert.equal(receiver.requests.length, 3);
  for (const q of receiver.requests) {
    assert.equal(q.headers['x-anju-message-id'], String(id));
    const mac = createHmac('sha256', SECRET).update(`${q.headers['x-anju-timestamp']}\n${q.body}`).digest('hex');
    assert.equal(q.headers['x-anju-signature'], `sha256=${mac}`);
    const b = JSON.parse(q.body);
    assert.equal(b.to, '13900000001');
    assert.equal(b.channel, 'sms');
    assert.equal(b.source_type, 'dunning_case');
  }
  assert.deepEqual(receiver.requests.map((q) => JSON.parse(q.body).attempt), [1, 2, 3]);
  // The phone is in no log line.
  assert.ok(!s.log.includes('13900000001'));
  // The case shows the SMS as its evidence, sent.
  const cases = await ok(as('staff', 'GET', `/api/v1/dunning-cases?household_id=${ids.reminded.household}`));
  assert.equal(cases.items.length, 1);
  ids.reminderCase = cases.items[0].id;
  const c = await ok(as('staff', 'GET', `/api/v1/dunning-cases/${ids.reminderCase}`));
  const auto = c.actions.find((a) => a.auto);
  assert.equal(auto.channel, 'sms');
  assert.equal(auto.outbox_id, id);
  assert.equal(auto.outbox_state, 'sent');
  expectError(await as('manager', 'POST', `/api/v1/outbox/${id}/retry`), 409, 'outbox_not_failed');
});

test('a message that keeps failing is failed, then a person retries it', async () => {
  await ok(as('admin', 'PUT', '/api/v1/outbox-sender', { max_attempts: 2 }));
  receiver.failures = Infinity;
  receiver.requests = [];
  await rent(ids.late, -20, 1000); // the late household reaches the reminder
  const result = await runDunning();
  assert.equal(result.opened, 1);
  assert.equal(result.sms, 1);
  const failed = await waitFor(async () => {
    const r = await ok(as('staff', 'GET', '/api/v1/outbox?state=failed'));
    return r.items[0];
  });
  assert.equal(failed.attempts, 2);
  assert.match(failed.last_error, /HTTP 500/);
  assert.ok(!failed.last_error.includes('1390000'));
  expectError(await as('assessor', 'POST', `/api/v1/outbox/${failed.id}/retry`), 403);
  expectError(await as('staffB', 'POST', `/api/v1/outbox/${failed.id}/retry`), 404);
  receiver.failures = 0;
  const retried = await ok(as('staff', 'POST', `/api/v1/outbox/${failed.id}/retry`));
  assert.equal(retried.state, 'pending');
  assert.equal(retried.attempts, 0);
  await waitFor(async () => (await message(failed.id)).state === 'sent');
  assert.equal(receiver.requests.length, 3);
  const send = await ok(as('staff', 'POST', '/api/v1/outbox/send'), 202);
  assert.ok(send.job_id === null || send.job_id > 0);
});

test('actions, the notice PDF, and the case closing itself once paid', async () => {
  const id = ids.reminderCase;
  expectError(await as('assessor', 'POST', `/api/v1/dunning-cases/${id}/actions`, { channel: 'phone', result: '已电话提醒' }), 403);
  expectError(await as('staff', 'POST', `/api/v1/dunning-cases/${id}/actions`, { channel: 'fax', result: '已提醒' }), 400, undefined, 'channel');
  expectError(await as('staff', 'POST', `/api/v1/dunning-cases/${id}/actions`, { channel: 'phone' }), 400, undefined, 'result');
  expectError(await as('staffB', 'POST', `/api/v1/dunning-cases/${id}/actions`, { channel: 'phone', result: '已电话提醒' }), 404);
  // Evidence: a photo of the visit, attached to the case.
  const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
    '1f15c4890000000d4944415478da63f8cfc0f01f0005000201a5d4d6e30000000049454e44ae426082', 'hex');
  const q = new URLSearchParams({ owner_type: 'dunning_case', owner_id: String(id), category: 'photo', filename: 'visit.png' });
  const photo = await ok(s.api('POST', `/api/v1/attachments?${q}`, { token: keys.staff, raw: PNG, headers: { 'Content-Type': 'image/png' } }), 201);
  let c = await ok(as('staff', 'POST', `/api/v1/dunning-cases/${id}/actions`, {
    channel: 'visit', result: '上门未遇，留下联系卡', attachment_id: photo.id,
  }), 201);
  assert.equal(c.actions[0].channel, 'visit');
  assert.equal(c.actions[0].attachment_id, photo.id);
  assert.equal(c.actions[0].actor_name, 'dunning-staff');
  expectError(await as('staff', 'POST', `/api/v1/dunning-cases/${id}/actions`, {
    channel: 'phone', result: '电话', attachment_id: 999999,
  }), 400, 'invalid_attachment', 'attachment_id');

  expectError(await as('finance', 'POST', `/api/v1/dunning-cases/${id}/notices`), 403);
  const n = await ok(as('manager', 'POST', `/api/v1/dunning-cases/${id}/notices`), 201);
  assert.match(n.number, /^催缴〔\d{4}〕第 \d+-1 号$/);
  assert.equal(n.owed_fen, 45000);
  const pdf = await bytes(`/api/v1/dunning-notices/${n.id}/pdf`, keys.staff);
  assert.equal(pdf.status, 200);
  assert.equal(pdf.headers.get('content-type'), 'application/pdf');
  assert.equal(pdf.body.subarray(0, 4).toString(), '%PDF');
  const text = pdfText(pdf.body).replace(/\s+/g, '');
  assert.ok(text.includes('催缴通知书'), text);
  assert.ok(text.includes('肆佰伍拾元整'), text);
  assert.ok(text.includes('王*'), text);
  assert.ok(!text.includes('王一'), text);
  assert.ok(text.includes('第二十九条'), text);
  expectError(await as('staffB', 'GET', `/api/v1/dunning-notices/${n.id}/pdf`), 404);
  c = await ok(as('staff', 'GET', `/api/v1/dunning-cases/${id}`));
  assert.equal(c.notices.length, 1);
  assert.ok(c.actions.some((a) => a.channel === 'letter' && a.notice_id === n.id));

  // Paid: the case closes as it is read, and acting on it is a conflict.
  await pay(ids.reminded, 45000);
  c = await ok(as('staff', 'GET', `/api/v1/dunning-cases/${id}`));
  assert.equal(c.state, 'closed');
  assert.equal(c.close_reason, 'paid');
  assert.equal(c.arrears.months_owed, 0);
  expectError(await as('staff', 'POST', `/api/v1/dunning-cases/${id}/actions`, { channel: 'phone', result: '再次电话' }), 409, 'dunning_case_closed', 'state');
  const open = await ok(as('staff', 'GET', '/api/v1/dunning-cases?state=open'));
  assert.ok(!open.items.some((x) => x.id === id));
});

test('six months owed: a referral only the bureau decides, which opens the eviction', async () => {
  const list = await ok(as('staff', 'GET', '/api/v1/arrears-referrals?state=proposed'));
  assert.equal(list.items.length, 1);
  const r = list.items[0];
  assert.equal(r.chain_id, ids.owing.chain);
  assert.equal(r.months_owed, 6);
  assert.equal(r.threshold, 6);
  // The recheck sees it.
  const signals = () => ok(s.api('GET', `/api/v1/households/${ids.owing.household}/signals`, { token: keys.bureau }));
  let sig = await signals();
  assert.ok(sig.items.some((x) => x.source_type === 'arrears_referral' && x.source_id === r.id && x.open));
  // Operator roles and finance may not decide.
  for (const role of ['manager', 'staff', 'finance']) {
    expectError(await as(role, 'POST', `/api/v1/arrears-referrals/${r.id}/decide`, { decision: 'refer', reason: '累计欠租六个月' }), 403, 'bureau_only');
  }
  expectError(await as('assessor', 'POST', `/api/v1/arrears-referrals/${r.id}/decide`, { decision: 'refer', reason: '累计欠租六个月' }), 403);
  expectError(await as('bureau', 'POST', `/api/v1/arrears-referrals/${r.id}/decide`, { decision: 'refer' }), 400, undefined, 'reason');
  expectError(await as('bureau', 'POST', `/api/v1/arrears-referrals/${r.id}/decide`, { decision: 'evict', reason: '累计欠租六个月' }), 400, undefined, 'decision');
  const d = await ok(as('bureau', 'POST', `/api/v1/arrears-referrals/${r.id}/decide`, { decision: 'refer', reason: '累计欠租六个月，经催缴未缴' }));
  assert.equal(d.referral.state, 'referred');
  assert.ok(d.eviction_id > 0);
  const ev = await ok(as('bureau', 'GET', `/api/v1/evictions/${d.eviction_id}`));
  assert.equal(ev.basis, 'arrears');
  assert.equal(ev.basis_id, r.id);
  assert.equal(ev.state, 'decided');
  expectError(await as('bureau', 'POST', `/api/v1/arrears-referrals/${r.id}/decide`, { decision: 'dismiss', reason: '重复决定' }), 409, 'referral_decided', 'state');
  sig = await signals();
  assert.ok(sig.items.some((x) => x.source_type === 'arrears_referral' && x.source_id === r.id && !x.open));
  expectError(await as('staffB', 'GET', `/api/v1/arrears-referrals/${r.id}`), 404);
});

test('levels and the referral threshold: edited by whom they belong to', async () => {
  const levels = await ok(as('staff', 'GET', '/api/v1/dunning-levels'));
  assert.deepEqual(levels.items.map((l) => l.code), ['reminder', 'formal', 'final']);
  expectError(await as('staff', 'POST', '/api/v1/dunning-levels', { code: 'visit', name: '上门', days_past_due: 60, channel: 'visit', template: '请缴纳' }), 403);
  const made = await ok(as('manager', 'POST', '/api/v1/dunning-levels', {
    code: 'visit', name: '上门催缴', days_past_due: 60, channel: 'visit', template: '截至{as_of}欠缴{months}个月',
  }), 201);
  assert.equal(made.active, true);
  expectError(await as('manager', 'POST', '/api/v1/dunning-levels', { code: 'visit', name: '上门', days_past_due: 61, channel: 'visit', template: '请缴纳' }), 409, 'level_exists');
  expectError(await as('manager', 'POST', '/api/v1/dunning-levels', { code: 'again', name: '上门', days_past_due: 60, channel: 'visit', template: '请缴纳' }), 409, 'level_days_taken');
  expectError(await as('manager', 'POST', '/api/v1/dunning-levels', { code: 'Bad Code', name: '上门', days_past_due: 70, channel: 'visit', template: '请缴纳' }), 400, 'invalid_code', 'code');
  expectError(await as('manager', 'PATCH', `/api/v1/dunning-levels/${made.id}`, { channel: 'fax' }), 400, undefined, 'channel');
  const off = await ok(as('bureau', 'PATCH', `/api/v1/dunning-levels/${made.id}`, { active: false }));
  assert.equal(off.active, false);
  assert.equal(off.days_past_due, 60);
  expectError(await as('manager', 'PATCH', '/api/v1/dunning-levels/999999', { active: false }), 404);

  expectError(await as('manager', 'PUT', '/api/v1/dunning-policy', { referral_months: 3 }), 403);
  expectError(await as('bureau', 'PUT', '/api/v1/dunning-policy', { referral_months: 0 }), 400, undefined, 'referral_months');
  const p = await ok(as('bureau', 'PUT', '/api/v1/dunning-policy', { referral_months: 6 }));
  assert.equal(p.referral_months, 6);
});
