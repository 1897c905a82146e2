// Receipt books and receipts over HTTP: a book received by finance, handed
// to a clerk, used at the counter (the clerk signs in: counter numbers come
// from the signed-in account's book), listed as each role may see it,
// closed, written off, with its write-off sheet as JSON and xlsx; a
// receipt as staff see it and as a PDF; electronic series; the roles each
// route refuses; the public verification page and JSON, which need no
// credentials, show nothing personal, escape what they show and are
// rate-limited per client address; and the clerks finance picks from when
// handing a book (finance only, active ones, nothing sensitive).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { inflateRawSync } from 'node:zlib';
import { startServer, cleanup, apikey, run, ledgerCheck } from './lib/server.js';

let s;
const keys = {};
const ids = {};
let clerk; // the counter clerk's session

// A session-authenticated client (counter clerks sign in).
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

// Check-digit-correct ID numbers in region 99 (nobody's).
function idNumber(seq) {
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const body = `990102${1970 + (seq % 30)}0${1 + (seq % 9)}1${seq % 10}${String(seq % 1000).padStart(3, '0')}`;
  const sum = [...body].reduce((a, c, i) => a + Number(c) * w[i], 0);
  return body + '10X98765432'[sum % 11];
}

// A valid unified social credit code (GB 32100) from 17 symbols.
const SYMBOLS = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
function creditCode(prefix17) {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += SYMBOLS.indexOf(prefix17[i]) * WEIGHTS[i];
  return prefix17 + SYMBOLS[(31 - (sum % 31)) % 31];
}

// The bytes of one member of a zip (an xlsx), by its name.
function unzip(buf, name) {
  for (let i = 0; i + 30 < buf.length; i++) {
    if (buf.readUInt32LE(i) !== 0x04034b50) continue;
    const method = buf.readUInt16LE(i + 8);
    const nameLen = buf.readUInt16LE(i + 26);
    const extra = buf.readUInt16LE(i + 28);
    const entry = buf.subarray(i + 30, i + 30 + nameLen).toString('utf8');
    if (entry !== name) continue;
    // The compressed size may be in a data descriptor: inflate what follows.
    const data = buf.subarray(i + 30 + nameLen + extra);
    return (method === 8 ? inflateRawSync(data, { finishFlush: 2 }) : data).toString('utf8');
  }
  return null;
}

const today = () => new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);
const as = (role, method, path, body, headers) => s.api(method, path, { body, headers, token: keys[role] });

function expectError(r, status, code, field) {
  assert.equal(r.status, status, r.text);
  if (code) assert.equal(r.json.error.code, code, r.text);
  if (field !== undefined) assert.equal(r.json.error.field, field, r.text);
}

// Sends a request and returns the raw body as bytes.
async function bytes(path, token) {
  const res = await fetch(s.base + path, { headers: { Authorization: 'Bearer ' + token } });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

// Makes an account with the command line and signs it in with a new password.
async function account(username, role, flags) {
  const out = run(['user', 'add', '--data', s.data.dir, '--username', username, '--role', role,
    '--name', '收款员甲', ...flags, '--generate-password']);
  const pw = /initial password.*: (\S+)/.exec(out)[1];
  const u = new Session(s);
  assert.equal((await u.login(username, pw)).status, 201);
  const r = await u.call('POST', '/api/v1/me/password', { old_password: pw, new_password: 'Counter-Clerk-2026' });
  assert.ok(r.status < 300, r.text);
  const again = await u.login(username, 'Counter-Clerk-2026');
  assert.equal(again.status, 201, again.text);
  return { session: u, id: again.json.account.id };
}

before(async () => {
  s = await startServer({ schedules: 'false', job_workers: '0', connection_timeout: '60', public_url: 'https://anju.example.test/' });
  keys.admin = s.data.token;
  for (const role of ['bureau', 'finance', 'assessor'])
    keys[role] = apikey(s.data.dir, role, `receipt-${role}`, ['--all-communities']);
  let r = await as('bureau', 'POST', '/api/v1/operators', { name: '安居<物业>&"服务"', credit_code: creditCode('91421200731123456') });
  assert.equal(r.status, 201, r.text);
  r = await as('bureau', 'POST', '/api/v1/communities', { name: '票据小区', district: '咸安区', operator_id: r.json.id });
  assert.equal(r.status, 201, r.text);
  ids.community = r.json.id;
  r = await as('bureau', 'POST', '/api/v1/communities', { name: '别的小区', district: '咸安区' });
  ids.other = r.json.id;
  for (const role of ['operator_manager', 'operator_staff', 'inspector'])
    keys[role] = apikey(s.data.dir, role, `receipt-${role}`, ['--community', String(ids.community)]);
  keys.outsider = apikey(s.data.dir, 'operator_staff', 'receipt-outsider', ['--community', String(ids.other)]);
  r = await as('bureau', 'POST', '/api/v1/households', {
    community_id: ids.community, category: 'low_income', hukou: '咸宁市',
    members: [
      { name: '张三丰', id_number: idNumber(501), phone: '10012345678', relationship: 'head' },
      { name: '李芳', id_number: idNumber(502), relationship: 'spouse' },
    ],
  });
  assert.equal(r.status, 201, r.text);
  ids.household = r.json.id;
  const c = await account('clerk1', 'operator_staff', ['--community', String(ids.community)]);
  clerk = c.session;
  ids.clerk = c.id;
  ids.bureauAccount = (await account('boss1', 'bureau', ['--all-communities'])).id;
});
after(async () => {
  if (process.env.TEST_LOG) console.log(s.log.slice(-4000));
  try { await ledgerCheck(s); } finally { await s.stop(); cleanup(s); }
});

function pay(send, body) {
  return send('POST', '/api/v1/payments', { household_id: ids.household, ...body }, { 'Idempotency-Key': randomUUID() });
}
const byClerk = (m, p, b, h) => clerk.call(m, p, b, h);
const byFinance = (m, p, b, h) => as('finance', m, p, b, h);

test('receipt books: received, refused, handed, used at the counter, listed per role, closed, written off', async () => {
  const book = { series: 'A2026', first_no: 1, last_no: 5, received_on: today(), received_by: '财务 王五' };
  let r = await as('finance', 'POST', '/api/v1/receipt-books', book);
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.state, 'stock');
  assert.equal(r.json.kind, 'paper');
  assert.equal(r.json.next_no, 1);
  assert.equal(r.json.unused, 5);
  ids.book = r.json.id;
  // Bad input and rules.
  expectError(await as('finance', 'POST', '/api/v1/receipt-books', book), 409, 'series_taken', 'series');
  expectError(await as('finance', 'POST', '/api/v1/receipt-books', { ...book, series: 'B', first_no: 10, last_no: 9 }), 400, 'out_of_range', 'last_no');
  expectError(await as('finance', 'POST', '/api/v1/receipt-books', { ...book, series: 'B', last_no: 10001 }), 400, 'book_too_large', 'last_no');
  expectError(await as('finance', 'POST', '/api/v1/receipt-books', { ...book, series: 'B', received_on: '2999-01-01' }), 400, 'future_date', 'received_on');
  expectError(await as('finance', 'POST', '/api/v1/receipt-books', { ...book, series: ' B' }), 400, 'invalid_value', 'series');
  expectError(await as('finance', 'POST', '/api/v1/receipt-books', { ...book, series: 'E2026YH' }), 400, 'series_reserved', 'series');
  expectError(await as('finance', 'POST', '/api/v1/receipt-books', { ...book, series: 'B', first_no: 0 }), 400, 'out_of_range', 'first_no');
  // Only finance keeps the books.
  for (const role of ['bureau', 'operator_manager', 'operator_staff', 'inspector', 'assessor', 'admin'])
    expectError(await as(role, 'POST', '/api/v1/receipt-books', { ...book, series: 'X' + role }), 403, 'forbidden');
  expectError(await as('bureau', 'POST', `/api/v1/receipt-books/${ids.book}/hand`, { account_id: ids.clerk }), 403, 'forbidden');

  // No book yet: the counter refuses, and nothing is written.
  expectError(await pay(byClerk, { amount_fen: 60000, channel: 'cash' }), 409, 'no_receipt_book');
  // Handed only to an active clerk of the right role.
  expectError(await as('finance', 'POST', `/api/v1/receipt-books/${ids.book}/hand`, { account_id: ids.bureauAccount }), 422, 'clerk_role', 'account_id');
  expectError(await as('finance', 'POST', `/api/v1/receipt-books/${ids.book}/hand`, { account_id: 999999 }), 422, 'clerk_not_found', 'account_id');
  expectError(await as('finance', 'POST', '/api/v1/receipt-books/999999/hand', { account_id: ids.clerk }), 404, 'receipt_book_not_found');
  r = await as('finance', 'POST', `/api/v1/receipt-books/${ids.book}/hand`, { account_id: ids.clerk });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.state, 'open');
  assert.equal(r.json.clerk_account_id, ids.clerk);
  assert.equal(r.json.clerk_name, '收款员甲');
  expectError(await as('finance', 'POST', `/api/v1/receipt-books/${ids.book}/hand`, { account_id: ids.clerk }), 409, 'receipt_book_state');
  expectError(await as('finance', 'POST', `/api/v1/receipt-books/${ids.book}/write-off`), 409, 'receipt_book_state');

  // The clerk takes two payments: consecutive numbers from the book.
  r = await pay(byClerk, { amount_fen: 60000, channel: 'cash' });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.receipt.number, 'A2026-00000001');
  ids.receipt = r.json.receipt.id;
  r = await pay(byClerk, { amount_fen: 1234, channel: 'pos', channel_ref: 'POS-0001' });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.receipt.number, 'A2026-00000002');

  // The list: finance and the bureau see every book, the clerk its own, a
  // staff key none (keys are never handed books).
  r = await as('finance', 'GET', '/api/v1/receipt-books');
  assert.equal(r.status, 200, r.text);
  const a = r.json.items.find((b) => b.id === ids.book);
  assert.equal(a.issued, 2);
  assert.equal(a.unused, 3);
  assert.equal(a.next_no, 3);
  r = await as('bureau', 'GET', '/api/v1/receipt-books?state=open');
  assert.deepEqual(r.json.items.map((b) => b.series), ['A2026']);
  r = await clerk.call('GET', '/api/v1/receipt-books');
  assert.deepEqual(r.json.items.map((b) => b.series), ['A2026']);
  r = await as('operator_staff', 'GET', '/api/v1/receipt-books');
  assert.equal(r.status, 200);
  assert.deepEqual(r.json.items, []);
  expectError(await as('operator_staff', 'GET', `/api/v1/receipt-books/${ids.book}`), 404, 'receipt_book_not_found');
  assert.equal((await clerk.call('GET', `/api/v1/receipt-books/${ids.book}`)).status, 200);
  r = await as('finance', 'GET', '/api/v1/receipt-books?limit=1');
  assert.equal(r.json.items.length, 1);
  for (const role of ['inspector', 'assessor', 'admin'])
    expectError(await as(role, 'GET', '/api/v1/receipt-books'), 403, 'forbidden');
  expectError(await as('finance', 'GET', '/api/v1/receipt-books?state=lost'), 400, null, 'state');

  // Closed early: the rest stays unused; written off.
  expectError(await as('operator_manager', 'POST', `/api/v1/receipt-books/${ids.book}/close`), 403, 'forbidden');
  r = await as('finance', 'POST', `/api/v1/receipt-books/${ids.book}/close`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.state, 'used_up');
  expectError(await pay(byClerk, { amount_fen: 100, channel: 'cash' }), 409, 'no_receipt_book');
  r = await as('finance', 'POST', `/api/v1/receipt-books/${ids.book}/write-off`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.state, 'written_off');
  assert.ok(r.json.written_off_at);
  expectError(await as('finance', 'POST', `/api/v1/receipt-books/${ids.book}/close`), 409, 'receipt_book_state');

  // The write-off sheet: each number, the unused range, totals.
  r = await as('bureau', 'GET', `/api/v1/receipt-books/${ids.book}/write-off`);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.lines.map((l) => [l.number_text, l.state]),
    [['A2026-00000001', 'issued'], ['A2026-00000002', 'issued'], ['A2026-00000003 至 A2026-00000005', 'unused']]);
  assert.deepEqual(r.json.totals, { issued: 2, issued_fen: 61234, voided: 0, voided_fen: 0, unused: 3 });
  assert.equal(r.json.lines[0].household_id, ids.household);
  for (const role of ['operator_manager', 'operator_staff', 'assessor'])
    expectError(await as(role, 'GET', `/api/v1/receipt-books/${ids.book}/write-off`), 403, 'forbidden');
  expectError(await as('finance', 'GET', '/api/v1/receipt-books/999999/write-off'), 404, 'receipt_book_not_found');
  const x = await bytes(`/api/v1/receipt-books/${ids.book}/write-off.xlsx`, keys.finance);
  assert.equal(x.status, 200);
  assert.equal(x.headers.get('content-type'), 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
  assert.match(x.headers.get('content-disposition'), /attachment; filename="receipt-book-\d+-writeoff\.xlsx"/);
  assert.equal(x.body.subarray(0, 4).toString('binary'), 'PK\x03\x04');
  const strings = unzip(x.body, 'xl/sharedStrings.xml');
  for (const t of ['票号', '状态', '金额(元)', '缴款家庭', '开票时间', '作废原因', 'A2026-00000001', '未使用 3 张', '已开具 2 张'])
    assert.ok(strings.includes(t), t);
  assert.match(unzip(x.body, 'xl/worksheets/sheet1.xml'), /<v>600<\/v>.*<v>12\.34<\/v>/s);
  expectError(await as('operator_manager', 'GET', `/api/v1/receipt-books/${ids.book}/write-off.xlsx`), 403, 'forbidden');

  // Electronic series: per channel and year, listed, never handed.
  r = await pay(byFinance, { amount_fen: 5000, channel: 'bank_transfer', channel_ref: 'BT-20260001' });
  assert.equal(r.status, 201, r.text);
  const year = today().slice(0, 4);
  assert.equal(r.json.receipt.number, `E${year}YH-00000001`);
  ids.electronic = r.json.receipt.id;
  r = await as('finance', 'GET', '/api/v1/receipt-books');
  const e = r.json.items.find((b) => b.kind === 'electronic');
  assert.equal(e.series, `E${year}YH`);
  assert.equal(e.last_no, null);
  assert.equal(e.unused, null);
  expectError(await as('finance', 'POST', `/api/v1/receipt-books/${e.id}/hand`, { account_id: ids.clerk }), 409, 'receipt_book_electronic');
  expectError(await as('finance', 'POST', `/api/v1/receipt-books/${e.id}/close`), 409, 'receipt_book_electronic');
  expectError(await as('finance', 'GET', `/api/v1/receipt-books/${e.id}/write-off`), 409, 'receipt_book_electronic');
});

test('a receipt as staff see it (payer masked, in scope) and as a PDF', async () => {
  let r = await as('operator_staff', 'GET', `/api/v1/receipts/${ids.receipt}`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.number_text, 'A2026-00000001');
  assert.equal(r.json.payer, '张**');
  assert.equal(r.json.amount_fen, 60000);
  assert.equal(r.json.amount_words, '陆佰元整');
  assert.equal(r.json.organisation, '安居<物业>&"服务"');
  assert.equal(r.json.state, 'issued');
  assert.equal(r.json.clerk, '收款员甲');
  assert.ok(!r.text.includes('张三丰'));
  ids.token = r.json.token;
  r = await as('finance', 'GET', `/api/v1/receipts/${ids.electronic}`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.book_kind, 'electronic');
  assert.equal(r.json.clerk, null);
  // Outside the scope it does not exist; other roles are refused.
  expectError(await as('outsider', 'GET', `/api/v1/receipts/${ids.receipt}`), 404, 'receipt_not_found');
  expectError(await as('finance', 'GET', '/api/v1/receipts/999999'), 404, 'receipt_not_found');
  for (const role of ['inspector', 'assessor', 'admin']) {
    expectError(await as(role, 'GET', `/api/v1/receipts/${ids.receipt}`), 403, 'forbidden');
    expectError(await as(role, 'GET', `/api/v1/receipts/${ids.receipt}/pdf`), 403, 'forbidden');
  }
  const pdf = await bytes(`/api/v1/receipts/${ids.receipt}/pdf`, keys.operator_manager);
  assert.equal(pdf.status, 200);
  assert.equal(pdf.headers.get('content-type'), 'application/pdf');
  assert.equal(pdf.body.subarray(0, 5).toString('binary'), '%PDF-');
  assert.match(pdf.headers.get('content-disposition'), /^inline; filename="receipt-\d+\.pdf"$/);
  r = await as('outsider', 'GET', `/api/v1/receipts/${ids.receipt}/pdf`);
  expectError(r, 404, 'receipt_not_found');
});

test('a voided receipt keeps its number and says so, in the write-off and to the public', async () => {
  // A second book, a payment, reversed through the two-person approval.
  let r = await as('finance', 'POST', '/api/v1/receipt-books', { series: 'V2026', first_no: 1, last_no: 3, received_on: today(), received_by: '财务 王五' });
  assert.equal(r.status, 201, r.text);
  const book = r.json.id;
  assert.equal((await as('finance', 'POST', `/api/v1/receipt-books/${book}/hand`, { account_id: ids.clerk })).status, 200);
  r = await pay(byClerk, { amount_fen: 8800, channel: 'cash' });
  assert.equal(r.status, 201, r.text);
  const payment = r.json.id, receipt = r.json.receipt.id;
  r = await clerk.call('POST', `/api/v1/payments/${payment}/reverse`, { reason: '重复收款' });
  assert.equal(r.status, 202, r.text);
  r = await as('finance', 'POST', `/api/v1/approvals/${r.json.approval.id}/approve`, {});
  assert.equal(r.status, 200, r.text);
  r = await as('finance', 'GET', `/api/v1/receipts/${receipt}`);
  assert.equal(r.json.state, 'voided');
  assert.equal(r.json.void_reason, '重复收款');
  assert.equal(r.json.number_text, 'V2026-00000001');
  r = await as('finance', 'GET', `/api/v1/receipt-books/${book}/write-off`);
  assert.deepEqual(r.json.totals, { issued: 0, issued_fen: 0, voided: 1, voided_fen: 8800, unused: 2 });
  assert.equal(r.json.lines[0].void_reason, '重复收款');
  const token = (await as('finance', 'GET', `/api/v1/receipts/${receipt}`)).json.token;
  r = await s.api('GET', `/api/v1/public/receipts/${token}`, { token: null });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.state, 'voided');
  assert.equal(r.json.state_title, '已作废');
  const res = await fetch(`${s.base}/r/${token}`);
  assert.ok((await res.text()).includes('已作废'));
});

test('public verification: a page and JSON, nothing personal, escaped, unknown tokens 404, rate-limited', async () => {
  // No credentials needed, and /r/ is not the web console's.
  let res = await fetch(`${s.base}/r/${ids.token}`);
  let html = await res.text();
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^text\/html; charset=utf-8/);
  assert.match(res.headers.get('content-security-policy'), /default-src 'none'/);
  assert.equal(res.headers.get('cache-control'), 'no-store');
  for (const t of ['票据号', 'A2026-00000001', '¥600.00', '陆佰元整', today(), '收款单位', '有效'])
    assert.ok(html.includes(t), t);
  // The organisation's name is text, not markup.
  assert.ok(html.includes('安居&lt;物业&gt;&amp;&quot;服务&quot;'), html);
  assert.ok(!html.includes('<物业>'));
  assert.ok(!/<script/i.test(html));
  for (const t of ['张', '李芳', '10012345678', '户'])
    assert.ok(!html.includes(t), `${t} in the page`);

  let r = await s.api('GET', `/api/v1/public/receipts/${ids.token}`, { token: null });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(Object.keys(r.json).sort(),
    ['amount_fen', 'amount_words', 'issued_date', 'number', 'organisation', 'state', 'state_title']);
  assert.equal(r.json.number, 'A2026-00000001');
  assert.equal(r.json.amount_fen, 60000);
  assert.equal(r.json.issued_date, today());
  assert.equal(r.json.state, 'issued');
  assert.ok(!r.text.includes('张'));

  // Unknown and malformed tokens: a bare 404.
  expectError(await s.api('GET', '/api/v1/public/receipts/0123456789abcdef0123456789abcdef', { token: null }), 404, 'receipt_not_found');
  expectError(await s.api('GET', `/api/v1/public/receipts/${ids.token.toUpperCase()}x`, { token: null }), 404, 'receipt_not_found');
  res = await fetch(`${s.base}/r/nope`);
  html = await res.text();
  assert.equal(res.status, 404);
  assert.ok(html.includes('未找到这张票据'));
  assert.ok(!html.includes('nope'));
  res = await fetch(`${s.base}/r/%3Cscript%3E`);
  assert.equal(res.status, 404);
  assert.ok(!(await res.text()).includes('<script'));

  // At most 30 look-ups a minute from one address, over both routes.
  const minute = () => Math.floor(Date.now() / 60000);
  let limited = null;
  for (let i = 0; i < 61 && !limited; i++) {
    const m = minute();
    const page = i % 2 === 0;
    const status = page ? (await fetch(`${s.base}/r/${ids.token}`)).status
      : (await s.api('GET', `/api/v1/public/receipts/${ids.token}`, { token: null })).status;
    assert.ok(status === 200 || status === 429, String(status));
    if (status === 429) limited = { page, m };
  }
  assert.ok(limited, 'no 429 in 61 look-ups');
  // The other route is limited too, in the same minute.
  if (limited.page) {
    r = await s.api('GET', `/api/v1/public/receipts/${ids.token}`, { token: null });
    if (minute() === limited.m) expectError(r, 429, 'rate_limited');
  } else {
    res = await fetch(`${s.base}/r/${ids.token}`);
    if (minute() === limited.m) {
      assert.equal(res.status, 429);
      assert.equal(res.headers.get('retry-after'), '60');
      assert.ok((await res.text()).includes('查询过于频繁'));
    }
  }
  // Staff routes are not limited by it.
  assert.equal((await as('finance', 'GET', `/api/v1/receipts/${ids.receipt}`)).status, 200);
});

test('the clerks finance hands a book to: active operator staff and finance by name, nothing more, finance only', async () => {
  // Two more who may hold a book, one who is disabled, one who may not.
  const add = (username, role, name, flags) =>
    run(['user', 'add', '--data', s.data.dir, '--username', username, '--role', role, '--name', name, ...flags, '--generate-password']);
  add('clerk2', 'operator_staff', '王芳', ['--community', String(ids.community)]);
  add('fin2', 'finance', '包文', ['--all-communities']);
  add('clerk3', 'operator_staff', '丁一', ['--community', String(ids.community)]);
  add('lead2', 'operator_manager', '艾米', ['--community', String(ids.community)]);
  let r = await s.api('GET', '/api/v1/accounts?limit=200');
  assert.equal(r.status, 200, r.text);
  const gone = r.json.items.find((a) => a.username === 'clerk3').id;
  assert.equal((await s.api('POST', `/api/v1/accounts/${gone}/disable`)).status, 200);

  // Not taken for a book's id: the list of clerks, by name.
  r = await as('finance', 'GET', '/api/v1/receipt-books/clerks');
  assert.equal(r.status, 200, r.text);
  const names = r.json.items.map((a) => a.username);
  assert.deepEqual(names.filter((u) => ['fin2', 'clerk1', 'clerk2'].includes(u)), ['fin2', 'clerk1', 'clerk2']);
  for (const u of ['clerk3', 'lead2', 'boss1', 'admin', 'security', 'auditor']) assert.ok(!names.includes(u), u);
  assert.ok(r.json.items.every((a) => a.role === 'operator_staff' || a.role === 'finance'), r.text);
  const one = r.json.items.find((a) => a.username === 'clerk1');
  assert.deepEqual(one, { id: ids.clerk, username: 'clerk1', display_name: '收款员甲', role: 'operator_staff', role_title: '运营人员' });
  for (const a of r.json.items) assert.deepEqual(Object.keys(a).sort(), ['display_name', 'id', 'role', 'role_title', 'username']);
  assert.ok(!/password|scope|lock|state|person/.test(r.text), r.text);

  // Only finance, which hands the books.
  for (const role of ['bureau', 'operator_manager', 'operator_staff', 'inspector', 'assessor', 'admin'])
    expectError(await as(role, 'GET', '/api/v1/receipt-books/clerks'), 403, 'forbidden');
  expectError(await clerk.call('GET', '/api/v1/receipt-books/clerks'), 403, 'forbidden');

  // One picked from the list takes the book; the disabled one is refused.
  r = await as('finance', 'POST', '/api/v1/receipt-books', { series: 'K2026', first_no: 1, last_no: 10, received_on: today(), received_by: '财务 王五' });
  assert.equal(r.status, 201, r.text);
  const book = r.json.id;
  expectError(await as('finance', 'POST', `/api/v1/receipt-books/${book}/hand`, { account_id: gone }), 422, 'clerk_inactive', 'account_id');
  const wang = (await as('finance', 'GET', '/api/v1/receipt-books/clerks')).json.items.find((a) => a.display_name === '王芳');
  r = await as('finance', 'POST', `/api/v1/receipt-books/${book}/hand`, { account_id: wang.id });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.clerk_name, '王芳');
});
