// The owners' side over HTTP: cash collected at the counter is remitted to
// the special account (never more than the cash the ledger holds, optionally
// as the deposit line of a bank statement, which then leaves suspense),
// payments out of the special account (operator fees, other spending with
// its account named, never more than the account holds), the owner's
// monthly statement with income and spending apart, as JSON and xlsx; the
// bureau reads, only finance records, operators get 403; bad input is a 4xx.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import { startServer, cleanup, apikey, run, ledgerCheck, sleep } from './lib/server.js';

let s;
const keys = {};
const ids = {};

const as = (role, method, path, body, headers) => s.api(method, path, { body, headers, token: keys[role] });
const shanghai = (days = 0) => new Date(Date.now() + 8 * 3600e3 + days * 86400e3).toISOString().slice(0, 10);
const period = () => shanghai().slice(0, 7);

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
  call(method, path, body, headers = {}) {
    const h = { ...headers, Cookie: `anju_session=${this.cookie}` };
    if (method !== 'GET') h['X-CSRF-Token'] = this.csrf;
    return this.s.api(method, path, { body, headers: h, token: null });
  }
}

function idNumber(n) {
  const d17 = '99010119800101' + String(n).padStart(3, '0');
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(d17[i]) * w[i];
  return d17 + '10X98765432'[sum % 11];
}

const SYMBOLS = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
function creditCode(prefix17) {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += SYMBOLS.indexOf(prefix17[i]) * WEIGHTS[i];
  return prefix17 + SYMBOLS[(31 - (sum % 31)) % 31];
}

function expectError(r, status, code, field) {
  assert.equal(r.status, status, r.text);
  if (code) assert.equal(r.json.error.code, code, r.text);
  if (field !== undefined) assert.equal(r.json.error.field, field, r.text);
}

// The text of one member of a zip (an xlsx), by name.
function unzip(buf, name) {
  for (let i = 0; i + 30 < buf.length; i++) {
    if (buf.readUInt32LE(i) !== 0x04034b50) continue;
    const method = buf.readUInt16LE(i + 8);
    const nameLen = buf.readUInt16LE(i + 26);
    const extra = buf.readUInt16LE(i + 28);
    if (buf.subarray(i + 30, i + 30 + nameLen).toString('utf8') !== name) continue;
    const data = buf.subarray(i + 30 + nameLen + extra);
    return (method === 8 ? inflateRawSync(data, { finishFlush: 2 }) : data).toString('utf8');
  }
  return null;
}

before(async () => {
  s = await startServer({ schedules: 'false', connection_timeout: '60' });
  for (const role of ['bureau', 'finance'])
    keys[role] = apikey(s.data.dir, role, `owner-${role}`, ['--all-communities']);
  let r = await as('bureau', 'POST', '/api/v1/owners', { name: '咸宁市城投集团', credit_code: creditCode('91421200MA4XNAJ02') });
  assert.equal(r.status, 201, r.text);
  ids.owner = r.json.id;
  r = await as('bureau', 'POST', '/api/v1/communities', { name: '南苑公租房', owner_id: ids.owner });
  assert.equal(r.status, 201, r.text);
  ids.community = r.json.id;
  keys.manager = apikey(s.data.dir, 'operator_manager', 'owner-manager', ['--community', String(ids.community)]);
  r = await as('bureau', 'POST', '/api/v1/households', {
    community_id: ids.community, category: 'low_income', members: [{ name: '王伟', id_number: idNumber(7), relationship: 'head' }],
  });
  ids.household = r.json.id;
  r = await as('finance', 'POST', '/api/v1/charges', {
    household_id: ids.household, kind: 'rent', amount_fen: 80000, due_on: shanghai(-3), period: period(),
  });
  assert.equal(r.status, 201, r.text);
  // A clerk at the counter takes 800.00 in cash.
  const out = run(['user', 'add', '--data', s.data.dir, '--username', 'clerk1', '--role', 'operator_staff',
    '--name', '收款员甲', '--community', String(ids.community), '--generate-password']);
  const pw = /initial password.*: (\S+)/.exec(out)[1];
  const clerk = new Session(s);
  assert.equal((await clerk.login('clerk1', pw)).status, 201);
  assert.ok((await clerk.call('POST', '/api/v1/me/password', { old_password: pw, new_password: 'Counter-Clerk-2026' })).status < 300);
  const again = await clerk.login('clerk1', 'Counter-Clerk-2026');
  assert.equal(again.status, 201, again.text);
  r = await as('finance', 'POST', '/api/v1/receipt-books', { series: 'A2026', first_no: 1, last_no: 50, received_on: shanghai(), received_by: '财务 王五' });
  assert.equal(r.status, 201, r.text);
  r = await as('finance', 'POST', `/api/v1/receipt-books/${r.json.id}/hand`, { account_id: again.json.account.id });
  assert.equal(r.status, 200, r.text);
  r = await clerk.call('POST', '/api/v1/payments', { household_id: ids.household, amount_fen: 80000, channel: 'cash' },
    { 'Idempotency-Key': randomUUID() });
  assert.equal(r.status, 201, r.text);
});
after(async () => { try { await ledgerCheck(s); } finally { await s.stop(); cleanup(s); } });

test('remittances: finance records, at most the cash held, the bureau reads', async () => {
  const body = { owner_id: ids.owner, period: period(), amount_fen: 90000, remitted_on: shanghai(), reference: 'JC-001' };
  expectError(await as('finance', 'POST', '/api/v1/remittances', body), 409, 'remittance_exceeds_cash', 'amount_fen');
  assert.equal((await as('bureau', 'POST', '/api/v1/remittances', body)).status, 403);
  assert.equal((await as('manager', 'GET', '/api/v1/remittances')).status, 403);
  expectError(await as('finance', 'POST', '/api/v1/remittances', { ...body, amount_fen: 0 }), 400, undefined, 'amount_fen');
  expectError(await as('finance', 'POST', '/api/v1/remittances', { ...body, period: '2026-13' }), 400, undefined, 'period');
  expectError(await as('finance', 'POST', '/api/v1/remittances', { ...body, remitted_on: shanghai(5) }), 400, 'date_in_future', 'remitted_on');
  expectError(await as('finance', 'POST', '/api/v1/remittances', { ...body, owner_id: 999 }), 400, 'owner_not_found', 'owner_id');
  let r = await as('finance', 'POST', '/api/v1/remittances', { ...body, amount_fen: 50000 });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.amount_fen, 50000);
  assert.ok(r.json.journal_id > 0);
  r = await as('bureau', 'GET', `/api/v1/remittances?owner_id=${ids.owner}&period=${period()}`);
  assert.equal(r.status, 200);
  assert.equal(r.json.items.length, 1);
});

test('a remittance as the deposit line of a statement takes it out of suspense', async () => {
  let r = await as('finance', 'POST', '/api/v1/bank-formats', {
    bank_code: 'ccb', bank_name: '建设银行', skip_rows: 1, date_format: 'YYYY-MM-DD', col_date: 1, col_amount: 2, col_remark: 3,
  });
  r = await as('finance', 'POST', '/api/v1/bank-accounts', { name: '保障房租金专户', account_no: '1812000000000002', format_id: r.json.id });
  const account = r.json.id;
  r = await s.api('POST', `/api/v1/bank-accounts/${account}/statements`, {
    token: keys.finance, raw: `日期,金额,摘要\n${shanghai()},300.00,现金缴存\n`, headers: { 'Content-Type': 'text/csv' },
  });
  assert.equal(r.status, 202, r.text);
  for (let i = 0; i < 300 && r.json.state === 'importing'; i++) {
    await sleep(50);
    r = await as('finance', 'GET', `/api/v1/bank-statements/${r.json.id}`);
  }
  assert.equal(r.json.state, 'done', r.text);
  const line = (await as('finance', 'GET', `/api/v1/bank-lines?statement_id=${r.json.id}`)).json.items[0];
  assert.equal(line.in_suspense, true);
  const body = { owner_id: ids.owner, period: period(), amount_fen: 20000, remitted_on: shanghai(), bank_line_id: line.id };
  expectError(await as('finance', 'POST', '/api/v1/remittances', body), 409, 'bank_line_amount');
  r = await as('finance', 'POST', '/api/v1/remittances', { ...body, amount_fen: 30000 });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.bank_line_id, line.id);
  r = await as('finance', 'GET', `/api/v1/bank-lines/${line.id}`);
  assert.equal(r.json.state, 'matched');
  assert.equal(r.json.tier, 'remittance');
  assert.equal(r.json.in_suspense, false);
  expectError(await as('finance', 'POST', `/api/v1/bank-lines/${line.id}/undo`, { reason: '不能撤销' }), 409, 'bank_line_remittance');
});

test('payments out: operator fees and other spending, never more than the special account holds', async () => {
  const body = { purpose: 'operator_fee', owner_id: ids.owner, payee: '安居物业', amount_fen: 20000, paid_on: shanghai(), reference: 'FK-1' };
  expectError(await as('finance', 'POST', '/api/v1/disbursements', { ...body, amount_fen: 80001 }), 409, 'special_account_insufficient');
  expectError(await as('finance', 'POST', '/api/v1/disbursements', { ...body, purpose: 'other' }), 400, 'invalid_value', 'debit_kind');
  expectError(await as('finance', 'POST', '/api/v1/disbursements', { ...body, debit_kind: 'bank' }), 400, 'invalid_value', 'debit_kind');
  expectError(await as('finance', 'POST', '/api/v1/disbursements', { ...body, purpose: 'gift' }), 400, undefined, 'purpose');
  assert.equal((await as('manager', 'POST', '/api/v1/disbursements', body)).status, 403);
  let r = await as('finance', 'POST', '/api/v1/disbursements', body);
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.debit_kind, 'operator_fees');
  r = await as('finance', 'POST', '/api/v1/disbursements', { ...body, purpose: 'other', debit_kind: 'bank', payee: '财政专户', amount_fen: 10000 });
  assert.equal(r.status, 201, r.text);
  r = await as('bureau', 'GET', `/api/v1/disbursements?period=${period()}`);
  assert.equal(r.json.items.length, 2);
});

test("the owner's statement: income and spending apart, JSON and xlsx", async () => {
  let r = await as('bureau', 'GET', `/api/v1/owners/${ids.owner}/statements/${period()}`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.owner.name, '咸宁市城投集团');
  assert.equal(r.json.income.communities.length, 1);
  assert.equal(r.json.income.communities[0].community_name, '南苑公租房');
  assert.equal(r.json.income.remitted_fen, 80000);
  assert.equal(r.json.income.remittances.length, 2);
  assert.equal(r.json.spending.total_fen, 30000);
  assert.equal(r.json.spending.operator_fee_fen, 20000);
  assert.equal(r.json.spending.other_fen, 10000);
  assert.equal((await as('manager', 'GET', `/api/v1/owners/${ids.owner}/statements/${period()}`)).status, 403);
  expectError(await as('finance', 'GET', `/api/v1/owners/999/statements/${period()}`), 404, 'owner_not_found');
  expectError(await as('finance', 'GET', `/api/v1/owners/${ids.owner}/statements/2026-13`), 400, 'invalid_period');
  const res = await fetch(`${s.base}/api/v1/owners/${ids.owner}/statements/${period()}/xlsx`, { headers: { Authorization: 'Bearer ' + keys.bureau } });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /spreadsheetml/);
  const buf = Buffer.from(await res.arrayBuffer());
  const book = unzip(buf, 'xl/workbook.xml');
  assert.match(book, /收入/);
  assert.match(book, /支出/);
  const strings = unzip(buf, 'xl/sharedStrings.xml');
  assert.match(strings, /运营服务费/);
  assert.match(strings, /安居物业/);
  assert.match(strings, /JC-001/);
});
