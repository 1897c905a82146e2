// Imports and exports over HTTP: units from CSV in GB18030 and in UTF-8
// with a BOM, a re-import that changes nothing, one bad row refusing the
// whole file with its report (JSON and CSV), households with members, a
// person already in another household, a spreadsheet's rows as JSON, the
// importer's scope, media types and roles, and exports as xlsx with masked
// ID numbers; a report or an export is its maker's alone (404 for anyone
// else).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { inflateRawSync } from 'node:zlib';
import { startServer, cleanup, apikey, sleep } from './lib/server.js';

let s, bureau, other, manager, staff, nanyuan, xiaoqiao;

// A valid resident ID number from 17 digits (region 99 belongs to nobody).
function idNumber(d17) {
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(d17[i]) * w[i];
  return d17 + '10X98765432'[sum % 11];
}

const gb18030 = (text) => execFileSync('iconv', ['-f', 'UTF-8', '-t', 'GB18030'], { input: text });

// The bytes of one member of a zip (an xlsx), by its name.
function unzip(buf, name) {
  let eocd = buf.length - 22;
  while (eocd >= 0 && buf.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  assert.ok(eocd >= 0, 'not a zip');
  let p = buf.readUInt32LE(eocd + 16);
  const count = buf.readUInt16LE(eocd + 10);
  for (let i = 0; i < count; i++) {
    const method = buf.readUInt16LE(p + 10), size = buf.readUInt32LE(p + 20);
    const nlen = buf.readUInt16LE(p + 28), xlen = buf.readUInt16LE(p + 30), clen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    if (buf.toString('utf8', p + 46, p + 46 + nlen) === name) {
      const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
      const data = buf.subarray(start, start + size);
      return (method === 8 ? inflateRawSync(data) : data).toString('utf8');
    }
    p += 46 + nlen + xlen + clen;
  }
  return null;
}

async function call(method, path, token, opts = {}) {
  return s.api(method, path, { token, ...opts });
}

// Follows an import or export until its job ends.
async function finish(kind, id, token) {
  for (let i = 0; i < 600; i++) {
    const r = await call('GET', `/api/v1/${kind}/${id}`, token);
    assert.equal(r.status, 200, r.text);
    if (!['queued', 'running'].includes(r.json.state)) return r.json;
    await sleep(50);
  }
  throw new Error(`${kind} ${id} did not end`);
}

async function importCsv(what, bytes, token = bureau) {
  const r = await call('POST', `/api/v1/imports/${what}`, token, { raw: bytes, headers: { 'Content-Type': 'text/csv' } });
  assert.equal(r.status, 202, r.text);
  assert.equal(r.json.kind, `import_${what}`);
  return finish('imports', r.json.id, token);
}

async function errors(id, token = bureau) {
  const r = await call('GET', `/api/v1/imports/${id}/errors?limit=200`, token);
  assert.equal(r.status, 200, r.text);
  return r.json;
}

async function units(community) {
  return (await call('GET', `/api/v1/units?community_id=${community}&limit=200`, bureau)).json.items;
}

before(async () => {
  s = await startServer({ schedules: 'false', connection_timeout: '60' });
  bureau = apikey(s.data.dir, 'bureau', 'bureau', ['--all-communities']);
  other = apikey(s.data.dir, 'bureau', 'other', ['--all-communities']);
  for (const name of ['南苑公租房', '肖桥公租房']) {
    const r = await call('POST', '/api/v1/communities', bureau, { body: { name } });
    assert.equal(r.status, 201, r.text);
  }
  const list = (await call('GET', '/api/v1/communities', bureau)).json.items;
  nanyuan = list.find((c) => c.name === '南苑公租房').id;
  xiaoqiao = list.find((c) => c.name === '肖桥公租房').id;
  manager = apikey(s.data.dir, 'operator_manager', 'mgr', ['--community', String(nanyuan)]);
  staff = apikey(s.data.dir, 'operator_staff', 'staff', ['--community', String(nanyuan)]);
});
after(async () => { await s.stop(); cleanup(s); });

const unitsCsv =
  '小区,楼栋,单元,楼层,房号,户型,建筑面积,使用面积,朝向\r\n' +
  '南苑公租房,3,1,1,3-1-101,一室一厅,45.5,38.25,南北\r\n' +
  '南苑公租房,3,2,6,3-2-602,两室一厅,60,52.1,南\r\n' +
  '肖桥公租房,A栋,1,2,A-1-201,一室一厅,38,30,\r\n';

test('units import from GB18030, then again from UTF-8 with a BOM: nothing changes', async () => {
  const bytes = gb18030(unitsCsv);
  assert.notEqual(bytes.length, Buffer.byteLength(unitsCsv));
  let job = await importCsv('units', bytes);
  assert.equal(job.state, 'succeeded', job.error);
  assert.deepEqual(job.result, { what: 'units', rows: 3, created: 3, unchanged: 0, buildings_created: 2 });
  const got = await units(nanyuan);
  assert.deepEqual(got.map((u) => [u.number, u.floor_area, u.usable_area, u.layout]).sort(),
    [['3-1-101', 4550, 3825, '一室一厅'], ['3-2-602', 6000, 5210, '两室一厅']]);
  assert.ok(got.every((u) => u.status === 'pending_acceptance'));

  job = await importCsv('units', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(unitsCsv)]));
  assert.equal(job.state, 'succeeded');
  assert.equal(job.result.created, 0);
  assert.equal(job.result.unchanged, 3);
  assert.equal((await units(nanyuan)).length, 2);
});

test('one bad row refuses the whole file; the report names row, column and reason', async () => {
  const csv = '小区,楼栋,单元,楼层,房号,建筑面积,使用面积\n' +
    '南苑公租房,5,1,1,5-1-101,50,40\n' +
    '南苑公租房,5,1,2,5-1-201,50,60\n' +
    '南苑公租房,3,1,1,3-1-101,45.5,38.25\n';
  const job = await importCsv('units', Buffer.from(csv));
  assert.equal(job.state, 'failed');
  assert.match(job.error, /导入被拒绝：共 1 处错误/);
  const rep = await errors(job.id);
  assert.equal(rep.total, 1);
  assert.deepEqual(rep.items, [{ row: 3, column: '使用面积', reason: '使用面积应大于 0 且不超过建筑面积' }]);
  assert.equal(rep.next, null);
  // Nothing of the file was published: not the good row, not its building.
  assert.ok(!(await units(nanyuan)).some((u) => u.number === '5-1-101'));
  const r = await call('GET', `/api/v1/imports/${job.id}/errors.csv`, bureau);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/csv/);
  assert.match(r.headers.get('content-disposition'), /attachment/);
  // The bytes, with the BOM Excel needs (a text decoder would drop it).
  const raw = await fetch(`${s.base}/api/v1/imports/${job.id}/errors.csv`, { headers: { Authorization: 'Bearer ' + bureau } });
  assert.equal(Buffer.from(await raw.arrayBuffer()).toString('binary'),
    Buffer.from('\ufeff行号,列,原因\r\n3,使用面积,使用面积应大于 0 且不超过建筑面积\r\n').toString('binary'));
  // Someone else (even of the same role) does not see it at all.
  for (const p of [`/api/v1/imports/${job.id}`, `/api/v1/imports/${job.id}/errors`, `/api/v1/imports/${job.id}/errors.csv`]) {
    const o = await call('GET', p, other);
    assert.equal(o.status, 404, p);
  }
  // Nor is an import an export.
  assert.equal((await call('GET', `/api/v1/exports/${job.id}`, bureau)).status, 404);
});

test('households with members, and a person already in another household', async () => {
  const head = idNumber('99010119800101001'), spouse = idNumber('99010119820202002');
  const child = idNumber('99010120100303003');
  const csv = '户号,小区,类别,户籍,工作单位,月收入,资产,现住房情况,姓名,身份证号,电话,与户主关系\n' +
    `1,南苑公租房,城镇中等偏下收入住房困难家庭,咸宁,咸宁制造厂,3200.50,0,租房,张三,${head},13800001111,户主\n` +
    `1,,,,,,,,李四,${spouse},,配偶\n` +
    `1,,,,,,,,张小,${child},,子女\n`;
  let job = await importCsv('households', Buffer.from(csv));
  assert.equal(job.state, 'succeeded', job.error);
  assert.equal(job.result.created, 1);
  const list = (await call('GET', `/api/v1/households?community_id=${nanyuan}`, bureau)).json.items;
  assert.equal(list.length, 1);

  const csv2 = '户号,小区,类别,姓名,身份证号,与户主关系\n' +
    `A,南苑公租房,外来务工人员,赵六,${idNumber('99010119900909005')},户主\n` +
    `A,南苑公租房,外来务工人员,李四,${spouse},配偶\n`;
  job = await importCsv('households', Buffer.from(csv2));
  assert.equal(job.state, 'failed');
  const rep = await errors(job.id);
  assert.equal(rep.total, 1);
  assert.equal(rep.items[0].row, 3);
  assert.equal(rep.items[0].column, '身份证号');
  assert.match(rep.items[0].reason, /已是另一户/);
  assert.ok(!rep.items[0].reason.includes(spouse), 'no ID number in a report');
  assert.equal((await call('GET', `/api/v1/households?community_id=${nanyuan}`, bureau)).json.items.length, 1);
});

test('a spreadsheet read in the browser is sent as rows; the manager imports within its scope', async () => {
  const header = ['小区', '楼栋', '单元', '楼层', '房号', '建筑面积', '使用面积'];
  let r = await call('POST', '/api/v1/imports/units/rows', manager, {
    body: { header, rows: [['南苑公租房', '7', '1', '1', '7-1-101', '50', '40'], [], ['肖桥公租房', '1', '1', '1', '1-1-101', '50', '40']] },
  });
  assert.equal(r.status, 202, r.text);
  let job = await finish('imports', r.json.id, manager);
  assert.equal(job.state, 'failed');
  const rep = await errors(job.id, manager);
  assert.deepEqual(rep.items, [{ row: 4, column: '小区', reason: '小区“肖桥公租房”不在您的管辖范围' }]);
  r = await call('POST', '/api/v1/imports/units/rows', manager, {
    body: { header, rows: [['南苑公租房', '7', '1', '1', '7-1-101', '50', '40']] },
  });
  job = await finish('imports', r.json.id, manager);
  assert.equal(job.state, 'succeeded', job.error);
  assert.ok((await units(nanyuan)).some((u) => u.number === '7-1-101'));
  // Bad shapes are the router's 400.
  r = await call('POST', '/api/v1/imports/units/rows', manager, { body: { header, rows: [[1]] } });
  assert.equal(r.status, 400);
});

test('media types and roles', async () => {
  let r = await call('POST', '/api/v1/imports/units', bureau, { raw: '{}', headers: { 'Content-Type': 'application/json' } });
  assert.equal(r.status, 415);
  r = await call('POST', '/api/v1/imports/units', bureau, { raw: Buffer.from('PK\x03\x04rest'), headers: { 'Content-Type': 'text/csv' } });
  assert.equal(r.status, 415);
  assert.equal(r.json.error.code, 'xlsx_not_csv');
  r = await call('POST', '/api/v1/imports/units', bureau, { raw: '', headers: { 'Content-Type': 'text/csv' } });
  assert.equal(r.status, 400);
  for (const token of [staff, s.data.token]) {
    r = await call('POST', '/api/v1/imports/units', token, { raw: unitsCsv, headers: { 'Content-Type': 'text/csv' } });
    assert.equal(r.status, 403);
  }
  r = await call('POST', '/api/v1/exports/households', staff, { body: {} });
  assert.equal(r.status, 403);
  r = await call('POST', '/api/v1/exports/units', staff, { body: { community_id: xiaoqiao } });
  assert.equal(r.status, 404);
});

test('exports: xlsx with masked ID numbers, for their maker only', async () => {
  let r = await call('POST', '/api/v1/exports/units', bureau, { body: { community_id: nanyuan } });
  assert.equal(r.status, 202, r.text);
  let job = await finish('exports', r.json.id, bureau);
  assert.equal(job.state, 'succeeded', job.error);
  assert.match(job.result.filename, /^units-\d{4}-\d{2}-\d{2}-\d+\.xlsx$/);
  let f = await fetch(`${s.base}/api/v1/exports/${job.id}/file`, { headers: { Authorization: 'Bearer ' + bureau } });
  assert.equal(f.status, 200);
  assert.match(f.headers.get('content-type'), /spreadsheetml/);
  let buf = Buffer.from(await f.arrayBuffer());
  assert.equal(buf.length, job.result.size);
  assert.equal(buf.subarray(0, 4).toString('binary'), 'PK\x03\x04');
  assert.match(unzip(buf, 'xl/workbook.xml'), /name="房源"/);
  let sheet = unzip(buf, 'xl/worksheets/sheet1.xml');
  assert.match(sheet, /建筑面积/);
  assert.match(sheet, /3-2-602/);
  assert.ok(!sheet.includes('A-1-201'), 'only the community asked for');

  r = await call('POST', '/api/v1/exports/households', bureau, { body: {} });
  job = await finish('exports', r.json.id, bureau);
  assert.equal(job.state, 'succeeded', job.error);
  f = await fetch(`${s.base}/api/v1/exports/${job.id}/file`, { headers: { Authorization: 'Bearer ' + bureau } });
  buf = Buffer.from(await f.arrayBuffer());
  sheet = unzip(buf, 'xl/worksheets/sheet1.xml');
  assert.match(sheet, /身份证号/);
  assert.match(sheet, /张三/);
  const head = idNumber('99010119800101001');
  assert.ok(!sheet.includes(head), 'the full ID number is never exported');
  assert.ok(sheet.includes(head.slice(0, 3) + '*'.repeat(11) + head.slice(14)), 'masked: first 3 and last 4');
  assert.ok(!sheet.includes('13800001111'));

  // Anyone else: not found, the job and the file alike.
  for (const p of [`/api/v1/exports/${job.id}`, `/api/v1/exports/${job.id}/file`]) {
    assert.equal((await call('GET', p, other)).status, 404, p);
    assert.equal((await call('GET', p, manager)).status, 404, p);
  }
});
