// Payer bank accounts and batch withholding over HTTP: accounts masked and
// revealed only with a reason, banks with their file layouts as data, a
// batch exported per bank and period (UTF-8 and GB18030, the same batch
// while it is open), a malformed result file refused whole with its row
// errors, a good one applied once (a payment per success, a dunning note per
// failure), and the ledger check passing afterwards.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, cleanup, apikey, ledgerCheck } from './lib/server.js';

let s;
const keys = {};
const ids = {};

const as = (role, method, path, body, headers = {}) => s.api(method, path, { body, token: keys[role], headers });
const upload = (role, path, text, encoding = 'utf8') =>
  s.api('POST', path, { token: keys[role], raw: Buffer.from(text, encoding), headers: { 'Content-Type': 'text/csv' } });

function idNumber(n) {
  const d17 = '99010119800101' + String(n).padStart(3, '0');
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(d17[i]) * w[i];
  return d17 + '10X98765432'[sum % 11];
}

// Today's month in Asia/Shanghai, as the server bills it.
const today = new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10);
const period = today.slice(0, 7);

async function household(community, name, n) {
  const r = await as('bureau', 'POST', '/api/v1/households', {
    community_id: community, category: 'low_income',
    members: [{ name, id_number: idNumber(n), relationship: 'head' }],
  });
  assert.equal(r.status, 201, r.text);
  return r.json.id;
}

async function owes(hh, fen) {
  const r = await as('finance', 'POST', '/api/v1/charges', {
    household_id: hh, kind: 'rent', amount_fen: fen, due_on: `${period}-01`, period,
  });
  assert.equal(r.status, 201, r.text);
}

const utf8Bank = {
  code: 'icbc', name: '工商银行',
  export_layout: { encoding: 'utf8', delimiter: ',', header: true, columns: [
    { field: 'reference' }, { field: 'account_number' }, { field: 'holder_name' },
    { field: 'amount_yuan' }, { field: 'constant', value: 'RENT', title: '用途' }] },
  result_layout: { encoding: 'auto', delimiter: ',', header: true, columns: [
    { field: 'reference' }, { field: 'account_number' }, { field: 'amount_yuan' },
    { field: 'status' }, { field: 'reason' }, { field: 'bank_ref' }], success_values: ['成功'] },
};
const gbBank = {
  code: 'ccb', name: '建设银行',
  export_layout: { encoding: 'gb18030', delimiter: '|', header: false, columns: [
    { field: 'seq' }, { field: 'account_number' }, { field: 'holder_name' }, { field: 'amount_fen' },
    { field: 'reference' }] },
  result_layout: { encoding: 'gb18030', delimiter: '|', header: false, columns: [
    { field: 'reference' }, { field: 'amount_fen' }, { field: 'status' }, { field: 'bank_ref' },
    { field: 'reason' }], success_values: ['S'] },
};

before(async () => {
  s = await startServer({ schedules: 'false', job_workers: '0', connection_timeout: '60' });
  keys.bureau = apikey(s.data.dir, 'bureau', 'bureau', ['--all-communities']);
  let r = await as('bureau', 'POST', '/api/v1/communities', { name: '南苑公租房' });
  ids.a = r.json.id;
  r = await as('bureau', 'POST', '/api/v1/communities', { name: '肖桥公租房' });
  ids.b = r.json.id;
  keys.finance = apikey(s.data.dir, 'finance', 'finance', ['--all-communities']);
  keys.manager = apikey(s.data.dir, 'operator_manager', 'manager-a', ['--community', String(ids.a)]);
  keys.staffB = apikey(s.data.dir, 'operator_staff', 'staff-b', ['--community', String(ids.b)]);
  keys.inspector = apikey(s.data.dir, 'inspector', 'inspector-a', ['--community', String(ids.a)]);
  keys.auditor = apikey(s.data.dir, 'auditor', 'auditor');
  ids.h1 = await household(ids.a, '王伟', 21);
  ids.h2 = await household(ids.a, '李芳', 22);
  ids.h3 = await household(ids.a, '张三', 23);
});
after(async () => { try { await ledgerCheck(s); } finally { await s.stop(); cleanup(s); } });

test('banks: layouts validated as data; finance only', async () => {
  let r = await as('finance', 'POST', '/api/v1/withholding/banks', utf8Bank);
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.export_layout.columns.length, 5);
  r = await as('finance', 'POST', '/api/v1/withholding/banks', gbBank);
  assert.equal(r.status, 201, r.text);
  r = await as('finance', 'POST', '/api/v1/withholding/banks', utf8Bank);
  assert.equal(r.status, 409);
  // A result layout without a status, an export layout without an amount.
  r = await as('finance', 'POST', '/api/v1/withholding/banks', {
    ...utf8Bank, code: 'abc', result_layout: { ...utf8Bank.result_layout, columns: [{ field: 'reference' }] } });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.field, 'result_layout');
  r = await as('finance', 'POST', '/api/v1/withholding/banks', {
    ...utf8Bank, code: 'abc', export_layout: { columns: [{ field: 'account_number' }] } });
  assert.equal(r.status, 400);
  r = await as('finance', 'POST', '/api/v1/withholding/banks', {
    ...utf8Bank, code: 'abc', export_layout: { columns: [{ field: 'gift' }] } });
  assert.equal(r.status, 400);
  assert.equal((await as('manager', 'POST', '/api/v1/withholding/banks', { ...utf8Bank, code: 'x2' })).status, 403);
  assert.equal((await as('auditor', 'GET', '/api/v1/withholding/banks')).status, 403);
  r = await as('finance', 'GET', '/api/v1/withholding/banks');
  assert.deepEqual(r.json.items.map((b) => b.code), ['ccb', 'icbc']);
});

test('payer accounts: sealed, masked, one withholding account with its authorisation, reveal audited', async () => {
  const body = { holder_name: '王伟', bank_name: '工商银行', number: '6222 0212 3456 7890' };
  let r = await as('manager', 'POST', `/api/v1/households/${ids.h1}/payer-accounts`, body);
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.number, '6222********7890');
  assert.equal(r.json.withholding, false);
  ids.acc1 = r.json.id;
  r = await as('manager', 'POST', `/api/v1/households/${ids.h1}/payer-accounts`, body);
  assert.equal(r.status, 409);
  assert.equal(r.json.error.code, 'payer_account_exists');
  // Withholding needs a bank and the tenant's signed authorisation.
  r = await as('manager', 'PATCH', `/api/v1/payer-accounts/${ids.acc1}`, { withholding: true, bank_code: 'icbc' });
  assert.equal(r.status, 422);
  assert.equal(r.json.error.code, 'authorization_required');
  r = await as('manager', 'PATCH', `/api/v1/payer-accounts/${ids.acc1}`, { withholding: true, bank_code: 'icbc', authorized_on: '2026-01-02' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.withholding, true);
  // Bad input.
  for (const [patch, field] of [[{ number: '12345' }, 'number'], [{ number: '6222abc1234567' }, 'number'],
    [{ authorized_on: '2026-02-30' }, 'authorized_on'], [{ bank_code: 'nobank' }, 'bank_code']]) {
    r = await as('manager', 'POST', `/api/v1/households/${ids.h2}/payer-accounts`, { ...body, number: '6217000011112222333', ...patch });
    assert.equal(r.status, 400, `${JSON.stringify(patch)}: ${r.text}`);
    assert.equal(r.json.error.field, field);
  }
  // Scope: staff of the other community do not see the household; the inspector may not.
  assert.equal((await as('staffB', 'GET', `/api/v1/households/${ids.h1}/payer-accounts`)).status, 404);
  assert.equal((await as('staffB', 'GET', `/api/v1/payer-accounts/${ids.acc1}`)).status, 404);
  assert.equal((await as('inspector', 'GET', `/api/v1/households/${ids.h1}/payer-accounts`)).status, 403);
  r = await as('finance', 'GET', `/api/v1/households/${ids.h1}/payer-accounts`);
  assert.equal(r.json.items.length, 1);
  assert.ok(!r.text.includes('6222021234567890'));
  // The full number: with a reason, audited without it.
  r = await as('finance', 'POST', `/api/v1/payer-accounts/${ids.acc1}/reveal`, { reason: '核对代扣失败' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.number, '6222021234567890');
  assert.equal((await as('finance', 'POST', `/api/v1/payer-accounts/${ids.acc1}/reveal`, { reason: '短' })).status, 400);
  assert.equal((await as('inspector', 'POST', `/api/v1/payer-accounts/${ids.acc1}/reveal`, { reason: '核对代扣失败' })).status, 403);
  r = await as('auditor', 'GET', '/api/v1/audit?action=payer_account.reveal');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.items.length, 1);
  assert.ok(!r.text.includes('6222021234567890'));

  for (const [hh, name, number, bank] of [[ids.h2, '李芳', '6217000011112222333', 'icbc'], [ids.h3, '张三', '6217000099998888777', 'ccb']]) {
    r = await as('manager', 'POST', `/api/v1/households/${hh}/payer-accounts`, {
      holder_name: name, bank_name: '银行', number, bank_code: bank, withholding: true, authorized_on: '2026-01-03' });
    assert.equal(r.status, 201, r.text);
  }
});

test('export: per bank and period, the same batch while open, UTF-8 and GB18030 files', async () => {
  let r = await as('finance', 'POST', '/api/v1/withholding/batches', { bank_code: 'icbc', period });
  assert.equal(r.status, 422);
  assert.equal(r.json.error.code, 'nothing_to_withhold');
  await owes(ids.h1, 30000);
  await owes(ids.h2, 120050);
  await owes(ids.h3, 50000);
  for (const [body, status] of [[{ bank_code: 'icbc', period: '2026-13' }, 400], [{ bank_code: 'icbc', period: '2999-01' }, 400],
    [{ bank_code: 'nobank', period }, 404]]) {
    r = await as('finance', 'POST', '/api/v1/withholding/batches', body);
    assert.equal(r.status, status, r.text);
  }
  assert.equal((await as('manager', 'POST', '/api/v1/withholding/batches', { bank_code: 'icbc', period })).status, 403);
  r = await as('finance', 'POST', '/api/v1/withholding/batches', { bank_code: 'icbc', period });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.created, true);
  assert.equal(r.json.items, 2);
  assert.equal(r.json.total_fen, 150050);
  ids.batch = r.json.id;
  r = await as('finance', 'POST', '/api/v1/withholding/batches', { bank_code: 'icbc', period });
  assert.equal(r.json.id, ids.batch);
  assert.equal(r.json.created, false);
  r = await as('finance', 'GET', `/api/v1/withholding/batches/${ids.batch}/file`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-disposition'), /icbc_.*\.csv/);
  assert.equal(r.text, `业务编号,账号,户名,金额（元）,用途\r\nWH${ids.batch}-1,6222021234567890,王伟,300.00,RENT\r\n` +
    `WH${ids.batch}-2,6217000011112222333,李芳,1200.50,RENT\r\n`);
  // GB18030, '|', no header.
  r = await as('finance', 'POST', '/api/v1/withholding/batches', { bank_code: 'ccb', period });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.encoding, 'gb18030');
  ids.gbBatch = r.json.id;
  const res = await fetch(`${s.base}/api/v1/withholding/batches/${ids.gbBatch}/file`, { headers: { Authorization: 'Bearer ' + keys.finance } });
  const bytes = Buffer.from(await res.arrayBuffer());
  assert.ok(!bytes.includes(Buffer.from('张三')));
  assert.equal(new TextDecoder('gb18030').decode(bytes), `1|6217000099998888777|张三|50000|WH${ids.gbBatch}-1\r\n`);
  r = await as('finance', 'GET', `/api/v1/withholding/batches/${ids.batch}/items`);
  assert.deepEqual(r.json.items.map((i) => [i.number, i.state]), [['6222********7890', 'pending'], ['6217***********2333', 'pending']]);
});

test('results: a malformed file is refused whole with its row errors; a good one applies once', async () => {
  const b = ids.batch;
  const bad = `h\r\nWH${b}-1,6222021234567890,300.00,成功,,B1\r\nWH${b}-2,6217000011112222333,1200.49,成功,,B2\r\n` +
    `WH999-1,6217000011112222333,1.00,成功,,B3\r\nWH${b}-1,6222021234567890,abc,成功,,B4\r\n`;
  let r = await upload('finance', `/api/v1/withholding/batches/${b}/results`, bad);
  assert.equal(r.status, 422, r.text);
  assert.equal(r.json.error.code, 'result_rows_invalid');
  r = await as('finance', 'GET', `/api/v1/withholding/batches/${b}/results`);
  assert.equal(r.json.items[0].state, 'rejected');
  assert.deepEqual(r.json.items[0].errors.map((x) => [x.line, x.field]),
    [[5, 'amount_yuan'], [3, 'amount'], [4, 'reference']]);
  r = await as('finance', 'GET', `/api/v1/households/${ids.h1}/account`);
  assert.equal(r.json.payments.length, 0);
  // Wrong encoding for a UTF-8 bank with auto: GB18030 bytes still read; garbage is refused.
  r = await s.api('POST', `/api/v1/withholding/batches/${b}/results`, { token: keys.finance, raw: Buffer.from([0x81, 0x30]) });
  assert.ok([400, 422].includes(r.status), r.text);
  assert.equal((await upload('manager', `/api/v1/withholding/batches/${b}/results`, 'x')).status, 403);

  const good = `业务编号,账号,金额,结果,原因,流水\r\nWH${b}-1,6222021234567890,300.00,成功,,B1\r\nWH${b}-2,6217000011112222333,1200.50,失败,余额不足,\r\n`;
  for (let round = 0; round < 2; round++) {
    r = await upload('finance', `/api/v1/withholding/batches/${b}/results`, good);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.state, 'applied');
    assert.equal(r.json.succeeded, round === 0 ? 1 : 0);
    assert.equal(r.json.failed, round === 0 ? 1 : 0);
    assert.equal(r.json.unchanged, round === 0 ? 0 : 2);
  }
  r = await as('finance', 'GET', `/api/v1/households/${ids.h1}/account`);
  assert.equal(r.json.payments.length, 1);
  assert.equal(r.json.payments[0].channel, 'withholding');
  assert.equal(r.json.payments[0].channel_ref, 'B1');
  assert.match(r.json.payments[0].receipt.number, /^E/);
  assert.equal(r.json.owed_fen, 0);
  r = await as('finance', 'GET', `/api/v1/withholding/batches/${b}`);
  assert.equal(r.json.state, 'done');
  assert.equal(r.json.succeeded_fen, 30000);
  assert.equal(r.json.failed, 1);
  r = await as('finance', 'GET', `/api/v1/withholding/batches/${b}/items?state=failed`);
  assert.equal(r.json.items.length, 1);
  assert.equal(r.json.items[0].reason, '余额不足');
  // The failure is on the household's dunning record (part B's dunning_note).
  r = await as('auditor', 'GET', `/api/v1/audit?object_type=household&object_id=${ids.h2}`);
  assert.equal(r.status, 200, r.text);
  // A done batch is not cancelled; a new export for the period makes a new batch for what is still owed.
  assert.equal((await as('finance', 'POST', `/api/v1/withholding/batches/${b}/cancel`)).status, 409);
  r = await as('finance', 'POST', '/api/v1/withholding/batches', { bank_code: 'icbc', period });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.created, true);
  assert.equal(r.json.items, 1);
  r = await as('finance', 'POST', `/api/v1/withholding/batches/${r.json.id}/cancel`);
  assert.equal(r.status, 200);
  assert.equal(r.json.state, 'cancelled');
});

test('results: GB18030 file for the GB18030 bank', async () => {
  const b = ids.gbBatch;
  const file = Buffer.concat([Buffer.from(`WH${b}-1|50000|F||`), Buffer.from([0xd5, 0xcb, 0xbb, 0xa7, 0xb6, 0xb3, 0xbd, 0xe1]), Buffer.from('\r\n')]);
  let r = await s.api('POST', `/api/v1/withholding/batches/${b}/results`, { token: keys.finance, raw: file });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.failed, 1);
  r = await as('finance', 'GET', `/api/v1/withholding/batches/${b}/items`);
  assert.equal(r.json.items[0].reason, '账户冻结');
});
