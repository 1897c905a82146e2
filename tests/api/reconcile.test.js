// Bank reconciliation over HTTP: finance configures a bank's statement
// layout and the special account, imports a statement (a job, its progress
// and its error report), a known payer account matches exactly and takes the
// payment, a payer named like a household's head is suggested, the rest sits
// in suspense; confirming and undoing a match move money out of and back into
// suspense, both audited; a re-import adds nothing, an overlapping export only
// its new lines; GB18030 files; malformed rows publish nothing; the daily
// balance comparison; matching again after a payer account is learnt; roles
// and bad input.  The ledger check passes after it all.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startServer, cleanup, apikey, ledgerCheck, sleep } from './lib/server.js';

let s;
const keys = {};
const ids = {};

const as = (role, method, path, body, headers) => s.api(method, path, { body, headers, token: keys[role] });
const shanghai = (days = 0) => new Date(Date.now() + 8 * 3600e3 + days * 86400e3).toISOString().slice(0, 10);
const gb18030 = (text) => execFileSync('iconv', ['-f', 'UTF-8', '-t', 'GB18030'], { input: text });

function idNumber(n) {
  const d17 = '99010119800101' + String(n).padStart(3, '0');
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(d17[i]) * w[i];
  return d17 + '10X98765432'[sum % 11];
}

function expectError(r, status, code, field) {
  assert.equal(r.status, status, r.text);
  if (code) assert.equal(r.json.error.code, code, r.text);
  if (field !== undefined) assert.equal(r.json.error.field, field, r.text);
}

async function household(name, n) {
  const r = await as('bureau', 'POST', '/api/v1/households', {
    community_id: ids.community, category: 'low_income',
    members: [{ name, id_number: idNumber(n), relationship: 'head' }],
  });
  assert.equal(r.status, 201, r.text);
  return r.json.id;
}

async function charge(hh, amount) {
  const r = await as('finance', 'POST', '/api/v1/charges', {
    household_id: hh, kind: 'rent', amount_fen: amount, due_on: shanghai(-5), period: shanghai(-5).slice(0, 7),
  });
  assert.equal(r.status, 201, r.text);
  return r.json.id;
}

const owed = async (hh) => (await as('finance', 'GET', `/api/v1/households/${hh}/account`)).json.owed_fen;

// Imports bytes into the account and follows the job to its end.
async function importStatement(bytes, query = '', account = ids.account) {
  let r = await s.api('POST', `/api/v1/bank-accounts/${account}/statements${query}`, {
    token: keys.finance, raw: bytes, headers: { 'Content-Type': 'text/csv' },
  });
  assert.equal(r.status, 202, r.text);
  assert.equal(r.json.state, 'importing');
  const id = r.json.id;
  for (let i = 0; i < 600; i++) {
    r = await as('finance', 'GET', `/api/v1/bank-statements/${id}`);
    assert.equal(r.status, 200, r.text);
    if (r.json.state !== 'importing') return r.json;
    await sleep(50);
  }
  throw new Error(`statement ${id} did not end`);
}

async function lines(statement) {
  const r = await as('finance', 'GET', `/api/v1/bank-lines?statement_id=${statement}&limit=200`);
  assert.equal(r.status, 200, r.text);
  return r.json.items.sort((a, b) => a.row - b.row);
}

const HEADER = '交易日期,贷方金额,借方金额,对方账号,对方户名,摘要,余额\n';

before(async () => {
  s = await startServer({ schedules: 'false', connection_timeout: '60' });
  keys.bureau = apikey(s.data.dir, 'bureau', 'bureau', ['--all-communities']);
  keys.finance = apikey(s.data.dir, 'finance', 'finance', ['--all-communities']);
  keys.auditor = apikey(s.data.dir, 'auditor', 'auditor');
  let r = await as('bureau', 'POST', '/api/v1/communities', { name: '南苑公租房' });
  ids.community = r.json.id;
  keys.manager = apikey(s.data.dir, 'operator_manager', 'manager', ['--community', String(ids.community)]);
  ids.h1 = await household('王伟', 1);
  ids.h2 = await household('李芳', 2);
  ids.h3 = await household('赵刚', 3);
  await charge(ids.h1, 52300);
  await charge(ids.h2, 41000);
  await charge(ids.h3, 30000);
  r = await as('finance', 'POST', `/api/v1/households/${ids.h1}/payer-accounts`, {
    holder_name: '王伟', bank_name: '工商银行', number: '6217 0000 1111 2222',
  });
  assert.equal(r.status, 201, r.text);
});
after(async () => { try { await ledgerCheck(s); } finally { await s.stop(); cleanup(s); } });

test('formats and accounts: finance only, checked, listed', async () => {
  const format = {
    bank_code: 'icbc', bank_name: '中国工商银行', skip_rows: 1, date_format: 'YYYY-MM-DD', col_date: 1,
    col_credit: 2, col_debit: 3, col_counterparty_account: 4, col_counterparty_name: 5, col_remark: 6, col_balance: 7,
  };
  assert.equal((await as('manager', 'POST', '/api/v1/bank-formats', format)).status, 403);
  assert.equal((await as('bureau', 'GET', '/api/v1/bank-formats')).status, 403);
  assert.equal((await as('auditor', 'GET', '/api/v1/bank-lines')).status, 403);
  expectError(await as('finance', 'POST', '/api/v1/bank-formats', { ...format, col_amount: 8 }), 400, 'amount_columns', 'col_amount');
  expectError(await as('finance', 'POST', '/api/v1/bank-formats', { ...format, col_remark: 2 }), 400, 'column_used_twice');
  expectError(await as('finance', 'POST', '/api/v1/bank-formats', { ...format, date_format: 'DD/MM/YYYY' }), 400, 'invalid_value', 'date_format');
  let r = await as('finance', 'POST', '/api/v1/bank-formats', format);
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.col_serial, null);
  ids.format = r.json.id;
  expectError(await as('finance', 'POST', '/api/v1/bank-formats', format), 409, 'bank_code_taken', 'bank_code');
  r = await as('finance', 'PUT', `/api/v1/bank-formats/${ids.format}`, { ...format, bank_name: '工商银行' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.bank_name, '工商银行');
  expectError(await as('finance', 'POST', '/api/v1/bank-accounts', { name: '专户', account_no: '12ab567890', format_id: ids.format }), 400, 'invalid_account_no', 'account_no');
  expectError(await as('finance', 'POST', '/api/v1/bank-accounts', { name: '专户', account_no: '1234567890', format_id: 999 }), 400, 'bank_format_not_found', 'format_id');
  r = await as('finance', 'POST', '/api/v1/bank-accounts', { name: '保障房租金专户', account_no: '1812000000000001', format_id: ids.format });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.ledger_kind, 'special_rent');
  ids.account = r.json.id;
  r = await as('finance', 'GET', '/api/v1/bank-accounts');
  assert.equal(r.json.items.length, 1);
});

test('import: exact match by payer account, a suggestion by name, suspense, identical lines stay two', async () => {
  const csv = HEADER +
    `${shanghai(-2)},523.00,,6217000011112222,王伟,房租,10523.00\n` +
    `${shanghai(-2)},410.00,,6222000099998888,李芳,转账,10933.00\n` +
    `${shanghai(-1)},20.00,,6222000077776666,路人,转账,10953.00\n` +
    `${shanghai(-1)},20.00,,6222000077776666,路人,转账,10973.00\n` +
    `${shanghai(-1)},,3.00,,,手续费,10970.00\n`;
  ids.csv = csv;
  const st = await importStatement(Buffer.from(csv), '?file_name=' + encodeURIComponent('工行流水.csv'));
  assert.equal(st.state, 'done', JSON.stringify(st));
  assert.equal(st.file_name, '工行流水.csv');
  assert.equal(st.lines_new, 5);
  assert.equal(st.matched, 1);
  assert.equal(st.suspense_fen, 41000 + 2000 + 2000);
  assert.equal(st.progress.done, st.progress.total);
  ids.statement = st.id;
  const ls = await lines(st.id);
  assert.deepEqual(ls.map((l) => l.state), ['matched', 'suggested', 'unmatched', 'unmatched', 'ignored']);
  assert.equal(ls[0].tier, 'exact_payer_account');
  assert.equal(ls[0].household_id, ids.h1);
  assert.match(ls[0].counterparty_account, /^6217\*+2222$/);
  assert.equal(await owed(ids.h1), 0);
  // The payment is the bank's: channel bank_transfer, its reference the line's identity.
  let r = await as('finance', 'GET', `/api/v1/payments/${ls[0].payment_id}`);
  assert.equal(r.json.channel, 'bank_transfer');
  assert.match(r.json.channel_ref, /^bank:h:[0-9a-f]{32}:1$/);
  // The suggestion names its rule and score.
  r = await as('finance', 'GET', `/api/v1/bank-lines/${ls[1].id}`);
  assert.equal(r.status, 200);
  const sug = r.json.suggestion_list.find((x) => x.household_id === ids.h2);
  assert.equal(sug.rule, 'head_name');
  assert.equal(sug.tier, 'rule');
  assert.equal(sug.head_name, '李芳');
  assert.ok(sug.score > 0);
  ids.lineLi = ls[1].id;
  ids.linesStranger = [ls[2].id, ls[3].id];
  // Suspense lists what is left.
  r = await as('finance', 'GET', '/api/v1/bank-lines?state=suspense');
  assert.equal(r.json.items.length, 3);
});

test('a re-import adds nothing; an overlapping export adds only its new lines', async () => {
  let st = await importStatement(Buffer.from(ids.csv));
  assert.equal(st.state, 'done');
  assert.equal(st.rows, 5);
  assert.equal(st.lines_new, 0);
  const later = ids.csv.split('\n').slice(3).join('\n') + `${shanghai()},88.00,,,某单位,转账,11058.00\n`;
  st = await importStatement(Buffer.from(HEADER + later));
  assert.equal(st.lines_new, 1);
  ids.lineUnknown = (await lines(st.id))[0].id;
});

test('confirm and undo: out of suspense and back, audited; states checked', async () => {
  const before = await owed(ids.h2);
  let r = await as('finance', 'POST', `/api/v1/bank-lines/${ids.lineLi}/confirm`, { household_id: ids.h2 });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.state, 'matched');
  assert.equal(r.json.tier, 'confirmed');
  assert.equal(r.json.in_suspense, false);
  assert.equal(await owed(ids.h2), before - 41000);
  // The payer's account is now the household's.
  r = await as('finance', 'GET', `/api/v1/households/${ids.h2}/payer-accounts`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.items.length, 1);
  expectError(await as('finance', 'POST', `/api/v1/bank-lines/${ids.lineLi}/confirm`, { household_id: ids.h3 }), 409, 'bank_line_state');
  r = await as('finance', 'POST', `/api/v1/bank-lines/${ids.lineLi}/undo`, { reason: '户名相同，认错了人' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.state, 'unmatched');
  assert.equal(r.json.in_suspense, true);
  assert.equal(await owed(ids.h2), before);
  // What the wrong confirmation taught is forgotten with it.
  r = await as('finance', 'GET', `/api/v1/households/${ids.h2}/payer-accounts`);
  assert.equal(r.json.items.length, 0);
  expectError(await as('finance', 'POST', `/api/v1/bank-lines/${ids.lineLi}/undo`, { reason: '再撤一次' }), 409, 'bank_line_state');
  expectError(await as('finance', 'POST', `/api/v1/bank-lines/${ids.lineLi}/undo`, { reason: 'x' }), 400, undefined, 'reason');
  expectError(await as('finance', 'POST', `/api/v1/bank-lines/${ids.lineLi}/confirm`, { household_id: 999999 }), 404);
  expectError(await as('finance', 'POST', '/api/v1/bank-lines/999999/confirm', { household_id: ids.h2 }), 404, 'bank_line_not_found');
  // The money-out line takes no match.
  const out = (await lines(ids.statement)).find((l) => l.state === 'ignored');
  expectError(await as('finance', 'POST', `/api/v1/bank-lines/${out.id}/confirm`, { household_id: ids.h2 }), 409, 'bank_line_state');
  const audit = await as('auditor', 'GET', '/api/v1/audit?action=bank_line.*');
  assert.equal(audit.status, 200, audit.text);
  assert.deepEqual(audit.json.items.map((a) => a.action).sort(), ['bank_line.confirm', 'bank_line.undo']);
});

test('rematch: a payer account learnt later matches its lines exactly', async () => {
  // 路人's account becomes 赵刚's; he owes 300.00, the two lines are 20.00 each: suggestions.
  let r = await as('finance', 'POST', `/api/v1/households/${ids.h3}/payer-accounts`, {
    holder_name: '赵刚', bank_name: '建设银行', number: '6222000077776666',
  });
  assert.equal(r.status, 201, r.text);
  r = await as('finance', 'POST', '/api/v1/bank-lines/rematch');
  assert.equal(r.status, 202, r.text);
  for (let i = 0; i < 600 && ['queued', 'running'].includes(r.json.state); i++) {
    await sleep(50);
    r = await as('finance', 'GET', `/api/v1/bank-jobs/${r.json.id}`);
  }
  assert.equal(r.json.state, 'succeeded', r.text);
  r = await as('finance', 'GET', `/api/v1/bank-lines/${ids.linesStranger[0]}`);
  assert.equal(r.json.state, 'suggested');
  assert.equal(r.json.suggestion_list[0].household_id, ids.h3);
  assert.equal(r.json.suggestion_list[0].rule, 'payer_account');
  // The account the wrong confirmation of 李芳's line taught was forgotten
  // by its undo, so the rematch does not take the sender for her again ...
  r = await as('finance', 'GET', `/api/v1/bank-lines/${ids.lineLi}`);
  assert.notEqual(r.json.state, 'matched');
  assert.equal(r.json.household_id, null);
  let a = await as('finance', 'GET', `/api/v1/households/${ids.h2}/payer-accounts`);
  assert.equal(a.status, 200, a.text);
  assert.equal(a.json.items.length, 0);
  // ... until someone confirms it to her again, which teaches it again.
  r = await as('finance', 'POST', `/api/v1/bank-lines/${ids.lineLi}/confirm`, { household_id: ids.h2 });
  assert.equal(r.status, 200, r.text);
  r = await as('finance', 'GET', `/api/v1/bank-lines/${ids.lineLi}`);
  assert.equal(r.json.state, 'matched');
  assert.equal(r.json.tier, 'confirmed');
  assert.equal(r.json.household_id, ids.h2);
  assert.equal(await owed(ids.h2), 0);
  a = await as('finance', 'GET', `/api/v1/households/${ids.h2}/payer-accounts`);
  assert.equal(a.json.items.length, 1);
  expectError(await as('finance', 'GET', '/api/v1/bank-jobs/999999'), 404, 'job_not_found');
});

test('GB18030 files; the encoding named wrongly is reported', async () => {
  const csv = HEADER + `${shanghai(-1)},66.00,,,张三丰,南苑三号楼房租,11124.00\n`;
  let st = await importStatement(gb18030(csv), '?encoding=utf8');
  assert.equal(st.state, 'failed');
  let r = await as('finance', 'GET', `/api/v1/bank-statements/${st.id}/errors`);
  assert.equal(r.json.items.length, 1);
  assert.match(r.json.items[0].reason, /UTF-8/);
  st = await importStatement(gb18030(csv));
  assert.equal(st.state, 'done');
  assert.equal(st.encoding, 'gb18030');
  const [l] = await lines(st.id);
  assert.equal(l.counterparty_name, '张三丰');
  assert.equal(l.remark, '南苑三号楼房租');
});

test('malformed rows: each named by row, column and reason; nothing published', async () => {
  const before = (await as('finance', 'GET', '/api/v1/bank-lines?limit=200')).json.items.length;
  const csv = HEADER +
    `${shanghai(-1)},12.00,,,好人,ok,\n` +
    '2026-02-30,12.00,,,,bad date,\n' +
    `${shanghai(-1)},12.345,,,,bad amount,\n` +
    `${shanghai(-1)},,,,,no amount,\n` +
    `${shanghai(40)},12.00,,,,future,\n`;
  const st = await importStatement(Buffer.from(csv));
  assert.equal(st.state, 'failed');
  assert.equal(st.error_rows, 4);
  assert.match(st.failure, /4/);
  const r = await as('finance', 'GET', `/api/v1/bank-statements/${st.id}/errors?limit=2`);
  assert.deepEqual(r.json.items.map((x) => [x.row, x.column]), [[3, '交易日期'], [4, '贷方金额']]);
  assert.ok(r.json.next);
  const rest = await as('finance', 'GET', `/api/v1/bank-statements/${st.id}/errors?cursor=${r.json.next}`);
  assert.deepEqual(rest.json.items.map((x) => x.row), [5, 6]);
  assert.equal((await as('finance', 'GET', '/api/v1/bank-lines?limit=200')).json.items.length, before);
});

test('bad requests: media type, empty, unknown account, roles', async () => {
  let r = await s.api('POST', `/api/v1/bank-accounts/${ids.account}/statements`, {
    token: keys.finance, raw: '{}', headers: { 'Content-Type': 'application/json' },
  });
  expectError(r, 415, 'unsupported_media_type');
  r = await s.api('POST', `/api/v1/bank-accounts/${ids.account}/statements`, {
    token: keys.finance, raw: Buffer.from('PK\x03\x04xxxx'), headers: { 'Content-Type': 'text/csv' },
  });
  expectError(r, 415, 'xlsx_not_csv');
  r = await s.api('POST', `/api/v1/bank-accounts/${ids.account}/statements`, {
    token: keys.finance, raw: '', headers: { 'Content-Type': 'text/csv' },
  });
  expectError(r, 400, 'empty_file');
  r = await s.api('POST', '/api/v1/bank-accounts/999/statements', {
    token: keys.finance, raw: HEADER, headers: { 'Content-Type': 'text/csv' },
  });
  expectError(r, 404, 'bank_account_not_found');
  r = await s.api('POST', `/api/v1/bank-accounts/${ids.account}/statements?encoding=latin1`, {
    token: keys.finance, raw: HEADER, headers: { 'Content-Type': 'text/csv' },
  });
  assert.equal(r.status, 400);
  r = await s.api('POST', `/api/v1/bank-accounts/${ids.account}/statements`, {
    token: keys.manager, raw: HEADER, headers: { 'Content-Type': 'text/csv' },
  });
  assert.equal(r.status, 403);
  assert.equal((await as('manager', 'POST', `/api/v1/bank-lines/${ids.lineLi}/confirm`, { household_id: ids.h2 })).status, 403);
  expectError(await as('finance', 'GET', '/api/v1/bank-statements/999999'), 404, 'bank_statement_not_found');
});

test('rules and the policy', async () => {
  let r = await as('finance', 'GET', '/api/v1/match-rules');
  assert.deepEqual(r.json.items.map((x) => x.kind), ['payer_account', 'unit', 'head_name', 'member_name']);
  r = await as('finance', 'PUT', `/api/v1/match-rules/${r.json.items[2].id}`, { name: '付款人为承租人', kind: 'head_name', score: 65, active: false });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.active, false);
  expectError(await as('finance', 'POST', '/api/v1/match-rules', { name: 'x', kind: 'magic', score: 10 }), 400, undefined, 'kind');
  expectError(await as('finance', 'POST', '/api/v1/match-rules', { name: 'x', kind: 'unit', score: 10, community_id: 9999 }), 400, 'community_not_found');
  r = await as('finance', 'POST', '/api/v1/match-rules', { name: '南苑房号', kind: 'unit', score: 85, community_id: ids.community });
  assert.equal(r.status, 201, r.text);
  r = await as('finance', 'PUT', '/api/v1/match-policy', { tolerance_fen: 200, window_days: 20 });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.tolerance_fen, 200);
  expectError(await as('finance', 'PUT', '/api/v1/match-policy', { tolerance_fen: -1, window_days: 20 }), 400, undefined, 'tolerance_fen');
});

test('the daily comparison of the bank balance with the ledger', async () => {
  let r = await as('finance', 'POST', '/api/v1/bank-balances', { day: shanghai() });
  assert.equal(r.status, 200, r.text);
  const today = r.json.items.find((b) => b.bank_account_id === ids.account);
  assert.equal(today.statement_fen, 1105800);
  assert.equal(today.ledger_fen, 52300 + 41000 + 2000 + 2000 + 8800 + 6600);
  assert.equal(today.difference_fen, today.statement_fen - today.ledger_fen);
  // 李芳's line was confirmed again after the rematch; four are left.
  assert.equal(today.unmatched_lines, 4);
  r = await as('finance', 'GET', `/api/v1/bank-balances?bank_account_id=${ids.account}`);
  assert.equal(r.json.items[0].day, shanghai());
  expectError(await as('finance', 'POST', '/api/v1/bank-balances', { day: shanghai(3) }), 400, 'date_in_future');
  expectError(await as('finance', 'POST', '/api/v1/bank-balances', { day: '2026-02-30' }), 400);
});
