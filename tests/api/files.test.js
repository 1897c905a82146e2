// Documents and photos: uploads told by their bytes (JPEG, PNG, PDF; 415
// otherwise), the size cap (413), empty files (422), access decided by the
// owner record (404 outside the caller's scope, 403 for a role that may not
// write), downloads with safe headers, removal, idempotent retries, one file
// for the same bytes under two owners, and a backup that brings the bytes back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { Server, initData, cleanup, apikey, sleep, BIN, ENGINE, newPgDatabase } from './lib/server.js';

const CAP = 65536;
let s;
const keys = {};
const ids = {};

// ---- small valid files, made here ----

// A baseline JPEG of one 8x8 grey block: DC and AC tables of one code each,
// the scan one DC difference of 0 and an end of block.
function jpeg() {
  const seg = (marker, body) => Buffer.concat([Buffer.from([0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 0xff]), Buffer.from(body)]);
  const table = (cls) => [cls, 1, ...new Array(15).fill(0), 0];
  return Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    seg(0xe0, [0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]),
    seg(0xdb, [0, ...new Array(64).fill(1)]),
    seg(0xc0, [8, 0, 8, 0, 8, 1, 1, 0x11, 0]),
    seg(0xc4, table(0x00)),
    seg(0xc4, table(0x10)),
    seg(0xda, [1, 1, 0, 0, 0x3f, 0]),
    Buffer.from([0x3f, 0xff, 0xd9]),
  ]);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// A 1x1 PNG of the given RGB colour.
function png(r = 200, g = 30, b = 30) {
  const chunk = (type, data) => {
    const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4); crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(1, 0); ihdr.writeUInt32BE(1, 4);
  ihdr[8] = 8; ihdr[9] = 2; // 8-bit RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.from([0, r, g, b]))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// A one-page PDF with a correct cross-reference table.
function pdf(text = 'anju') {
  const objs = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] /Contents 4 0 R >>',
  ];
  const stream = `BT /F1 12 Tf 20 50 Td (${text}) Tj ET`;
  objs.push(`<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`);
  let out = '%PDF-1.4\n';
  const offsets = [];
  objs.forEach((o, i) => { offsets.push(out.length); out += `${i + 1} 0 obj\n${o}\nendobj\n`; });
  const xref = out.length;
  out += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) out += `${String(o).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objs.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

const GIF = Buffer.from('R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==', 'base64');

// ---- the records attachments hang on ----

// A resident ID number that passes GB 11643's check digit, in region 99
// (no province uses it).
function idNumber(seq) {
  const body = `990101198${seq % 10}0101${String(seq % 1000).padStart(3, '0')}`;
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(body[i]) * w[i];
  return body + '10X98765432'[sum % 11];
}

async function created(r, what) {
  assert.ok(r.status === 201 || r.status === 200, `${what}: ${r.status} ${r.text}`);
  return r.json.id ?? r.json[Object.keys(r.json)[0]]?.id;
}

async function makeCommunity(n) {
  const bureau = keys.bureau;
  const community = await created(await s.api('POST', '/api/v1/communities', {
    token: bureau, body: { name: `附件测试小区${n}`, address: `测试路${n}号`, district: '咸安区' },
  }), 'community');
  const building = await created(await s.api('POST', '/api/v1/buildings', {
    token: bureau, body: { community_id: community, name: '1', floors: 6, entrances: 2, has_lift: false },
  }), 'building');
  const unit = await created(await s.api('POST', '/api/v1/units', {
    token: bureau,
    body: { building_id: building, entrance: 1, floor: 3, number: '1-1-301', layout: '一室一厅', floor_area: 4500, usable_area: 3800, orientation: '南北' },
  }), 'unit');
  const household = await created(await s.api('POST', '/api/v1/households', {
    token: bureau,
    body: {
      community_id: community, category: 'low_income', hukou: '咸宁市', employer: '测试单位',
      monthly_income_fen: 300000, assets_fen: 0,
      members: [{ name: `测试户主${n}`, id_number: idNumber(n), relationship: 'head' }],
    },
  }), 'household');
  return { community, building, unit, household };
}

before(async () => {
  const data = initData();
  keys.bureau = apikey(data.dir, 'bureau', 'files-bureau', ['--all-communities']);
  s = new Server(data, { schedules: 'false', job_workers: '0', upload_max_bytes: String(CAP) });
  await s.start();
  ids.a = await makeCommunity(1);
  ids.b = await makeCommunity(2);
  keys.staffA = apikey(s.data.dir, 'operator_staff', 'files-staff-a', ['--community', String(ids.a.community)]);
  keys.staffB = apikey(s.data.dir, 'operator_staff', 'files-staff-b', ['--community', String(ids.b.community)]);
  keys.inspector = apikey(s.data.dir, 'inspector', 'files-inspector', ['--community', String(ids.a.community)]);
  keys.finance = apikey(s.data.dir, 'finance', 'files-finance', ['--all-communities']);
  keys.auditor = apikey(s.data.dir, 'auditor', 'files-auditor');
  // The command line blocked this process for longer than the server keeps
  // an idle connection: let the client see those closes before reusing one.
  await sleep(200);
});
after(async () => { await s.stop(); cleanup(s); });

function upload(token, ownerType, ownerId, bytes, { category = 'photo', filename, note, headers = {} } = {}) {
  const q = new URLSearchParams({ owner_type: ownerType, owner_id: String(ownerId), category });
  if (filename !== undefined) q.set('filename', filename);
  if (note !== undefined) q.set('note', note);
  return s.api('POST', `/api/v1/attachments?${q}`, {
    token, raw: bytes, headers: { 'Content-Type': 'application/octet-stream', ...headers },
  });
}

const list = (token, type, id) => s.api('GET', `/api/v1/attachments?owner_type=${type}&owner_id=${id}`, { token });
const sha256 = (b) => createHash('sha256').update(b).digest('hex');

// Regular files under files/ named by their hash (no temporary files).
function storedFiles(dir) {
  const out = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.name.startsWith('.')) { out.push(join(d, e.name)); continue; }
      if (e.isDirectory()) walk(join(d, e.name));
      else out.push(join(d, e.name));
    }
  };
  walk(join(dir, 'files'));
  return out;
}

test('JPEG, PNG and PDF upload to a unit and come back byte for byte', async () => {
  const files = [
    [jpeg(), 'image/jpeg', '客厅照片.jpg', 'photo'],
    [png(), 'image/png', 'kitchen.png', 'photo'],
    [pdf('contract'), 'application/pdf', '租赁合同（扫描件）.pdf', 'contract'],
  ];
  const made = [];
  for (const [bytes, type, filename, category] of files) {
    // The declared Content-Type is ignored: the bytes decide.
    const r = await upload(keys.staffA, 'unit', ids.a.unit, bytes, { filename, category, note: '交房时拍摄', headers: { 'Content-Type': 'text/plain' } });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.media_type, type);
    assert.equal(r.json.filename, filename);
    assert.equal(r.json.size, bytes.length);
    assert.equal(r.json.category, category);
    assert.equal(r.json.owner_type, 'unit');
    assert.equal(r.json.owner_id, ids.a.unit);
    assert.equal(r.json.note, '交房时拍摄');
    made.push(r.json);
  }
  const l = await list(keys.staffA, 'unit', ids.a.unit);
  assert.equal(l.status, 200);
  assert.deepEqual(l.json.items.map((a) => a.id), made.map((a) => a.id));
  assert.equal(l.json.next, null);

  for (let i = 0; i < files.length; i++) {
    const res = await fetch(`${s.base}/api/v1/attachments/${made[i].id}/content`, { headers: { Authorization: `Bearer ${keys.bureau}` } });
    assert.equal(res.status, 200);
    const body = Buffer.from(await res.arrayBuffer());
    assert.ok(body.equals(files[i][0]), 'the same bytes');
    assert.equal(res.headers.get('content-type'), files[i][1]);
    assert.equal(res.headers.get('content-length'), String(files[i][0].length));
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(res.headers.get('content-security-policy'), 'sandbox');
    assert.match(res.headers.get('cache-control'), /private/);
    assert.doesNotMatch(res.headers.get('cache-control'), /public/);
    const cd = res.headers.get('content-disposition');
    assert.match(cd, /^inline; filename="[\x20-\x7e]*"; filename\*=UTF-8''[A-Za-z0-9!#$&+\-.^_`|~%]+$/);
    const star = /filename\*=UTF-8''(.*)$/.exec(cd)[1];
    assert.equal(decodeURIComponent(star), files[i][2]);
  }
  // The ASCII stand-in of a Chinese name keeps its extension.
  const res = await fetch(`${s.base}/api/v1/attachments/${made[0].id}/content`, { headers: { Authorization: `Bearer ${keys.staffA}` } });
  assert.match(res.headers.get('content-disposition'), /filename="_+\.jpg"/);
  await res.arrayBuffer();

  const one = await s.api('GET', `/api/v1/attachments/${made[2].id}`, { token: keys.finance });
  assert.equal(one.status, 200);
  assert.deepEqual(one.json, made[2]);
});

test('a household\'s papers: staff add them, finance reads them, an inspector may not add', async () => {
  let r = await upload(keys.staffA, 'household', ids.a.household, pdf('id card'), { category: 'id_card', filename: '身份证.pdf' });
  assert.equal(r.status, 201, r.text);
  r = await list(keys.finance, 'household', ids.a.household);
  assert.equal(r.status, 200);
  assert.equal(r.json.items.length, 1);
  assert.equal(r.json.items[0].category, 'id_card');
  r = await upload(keys.inspector, 'household', ids.a.household, png(), { category: 'photo' });
  assert.equal(r.status, 403);
  assert.equal(r.json.error.code, 'forbidden');
  // An inspector does add to the housing stock of its community.
  r = await upload(keys.inspector, 'unit', ids.a.unit, png(1, 2, 3), { category: 'photo', filename: '巡查.png' });
  assert.equal(r.status, 201, r.text);
  // ... but has no word on the other one.
  r = await upload(keys.inspector, 'unit', ids.b.unit, png(1, 2, 3));
  assert.equal(r.status, 404);
});

test('only JPEG, PNG and PDF by their bytes: 415; an empty body: 422; over the cap: 413', async () => {
  const before = (await list(keys.staffA, 'unit', ids.a.unit)).json.items.length;
  let r = await upload(keys.staffA, 'unit', ids.a.unit, GIF, { filename: 'a.gif' });
  assert.equal(r.status, 415);
  assert.equal(r.json.error.code, 'unsupported_media_type');
  r = await upload(keys.staffA, 'unit', ids.a.unit, Buffer.from('这不是图片，只是改了扩展名\n'), { filename: 'photo.jpg', headers: { 'Content-Type': 'image/jpeg' } });
  assert.equal(r.status, 415);
  r = await upload(keys.staffA, 'unit', ids.a.unit, Buffer.alloc(0));
  assert.equal(r.status, 422);
  assert.equal(r.json.error.code, 'empty_file');
  // Over upload_max_bytes: refused on the Content-Length, before the body.
  const big = Buffer.concat([jpeg(), Buffer.alloc(CAP)]);
  r = await upload(keys.staffA, 'unit', ids.a.unit, big);
  assert.equal(r.status, 413);
  assert.equal(r.json.error.code, 'body_too_large');
  // Exactly at the cap is fine.
  const fits = Buffer.concat([png(9, 9, 9), Buffer.alloc(CAP - png(9, 9, 9).length)]);
  r = await upload(keys.staffA, 'unit', ids.a.unit, fits, { filename: 'big.png' });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.size, CAP);
  assert.equal((await list(keys.staffA, 'unit', ids.a.unit)).json.items.length, before + 1);
  // Bad query parameters.
  r = await upload(keys.staffA, 'unit', ids.a.unit, png(), { category: 'selfie' });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.field, 'category');
  r = await upload(keys.staffA, 'charge', 1, png());
  assert.equal(r.status, 400);
  assert.equal(r.json.error.code, 'unknown_owner_type');
  r = await s.api('POST', '/api/v1/attachments?owner_type=unit&category=photo', { token: keys.staffA, raw: png() });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.field, 'owner_id');
});

test('outside the caller\'s scope an attachment does not exist: 404', async () => {
  const mine = await upload(keys.staffA, 'unit', ids.a.unit, png(5, 6, 7), { filename: 'a.png' });
  assert.equal(mine.status, 201);
  const id = mine.json.id;
  let r = await upload(keys.staffB, 'unit', ids.a.unit, png());
  assert.equal(r.status, 404);
  r = await upload(keys.staffB, 'household', ids.a.household, png());
  assert.equal(r.status, 404);
  r = await list(keys.staffB, 'unit', ids.a.unit);
  assert.equal(r.status, 404);
  r = await s.api('GET', `/api/v1/attachments/${id}`, { token: keys.staffB });
  assert.equal(r.status, 404);
  assert.equal(r.json.error.code, 'attachment_not_found');
  r = await s.api('GET', `/api/v1/attachments/${id}/content`, { token: keys.staffB });
  assert.equal(r.status, 404);
  r = await s.api('DELETE', `/api/v1/attachments/${id}`, { token: keys.staffB });
  assert.equal(r.status, 404);
  r = await s.api('GET', '/api/v1/attachments/99999999/content', { token: keys.bureau });
  assert.equal(r.status, 404);
  r = await list(keys.staffA, 'unit', 99999999);
  assert.equal(r.status, 404);
  // Still there for its own people.
  assert.equal((await s.api('GET', `/api/v1/attachments/${id}`, { token: keys.staffA })).status, 200);
});

test('a role not allowed gets 403', async () => {
  let r = await upload(keys.finance, 'unit', ids.a.unit, png());
  assert.equal(r.status, 403);
  assert.equal(r.json.error.code, 'forbidden');
  r = await list(keys.auditor, 'unit', ids.a.unit);
  assert.equal(r.status, 403);
  r = await upload(s.data.token, 'unit', ids.a.unit, png());
  assert.equal(r.status, 403, 'admin');
  const a = await upload(keys.staffA, 'unit', ids.a.unit, png(11, 12, 13));
  r = await s.api('DELETE', `/api/v1/attachments/${a.json.id}`, { token: keys.finance });
  assert.equal(r.status, 403);
  // The route contract says who may write.
  const op = s.openapi.paths['/api/v1/attachments'].post;
  assert.deepEqual([...op['x-roles']].sort(), ['bureau', 'inspector', 'operator_manager', 'operator_staff']);
});

test('the same bytes under two owners: one file, two rows, neither reachable through the other', async () => {
  const bytes = png(42, 42, 42);
  const a = await upload(keys.staffA, 'unit', ids.a.unit, bytes, { filename: 'a.png' });
  const b = await upload(keys.staffB, 'unit', ids.b.unit, bytes, { filename: 'b.png' });
  assert.equal(a.status, 201);
  assert.equal(b.status, 201);
  assert.notEqual(a.json.id, b.json.id);
  const hash = sha256(bytes);
  const stored = storedFiles(s.data.dir).filter((p) => p.endsWith(hash));
  assert.equal(stored.length, 1);
  assert.ok(stored[0].endsWith(join('files', hash.slice(0, 2), hash.slice(2, 4), hash)));
  assert.equal(statSync(stored[0]).size, bytes.length);
  assert.deepEqual(storedFiles(s.data.dir).filter((p) => p.split('/').pop().startsWith('.')), [], 'no temporary files');
  // Each staff reads its own row and not the other.
  assert.equal((await s.api('GET', `/api/v1/attachments/${a.json.id}/content`, { token: keys.staffA })).status, 200);
  assert.equal((await s.api('GET', `/api/v1/attachments/${b.json.id}/content`, { token: keys.staffA })).status, 404);
  assert.equal((await s.api('GET', `/api/v1/attachments/${a.json.id}/content`, { token: keys.staffB })).status, 404);
  // Removing one leaves the other and the file.
  assert.equal((await s.api('DELETE', `/api/v1/attachments/${a.json.id}`, { token: keys.staffA })).status, 200);
  const res = await fetch(`${s.base}/api/v1/attachments/${b.json.id}/content`, { headers: { Authorization: `Bearer ${keys.staffB}` } });
  assert.ok(Buffer.from(await res.arrayBuffer()).equals(bytes));
  assert.ok(existsSync(stored[0]));
});

test('remove marks the row, audits it on the owner, and the list no longer shows it', async () => {
  const a = await upload(keys.staffA, 'household', ids.a.household, jpeg(), { category: 'hukou_book', filename: '户口簿.jpg' });
  assert.equal(a.status, 201);
  const r = await s.api('DELETE', `/api/v1/attachments/${a.json.id}`, { token: keys.staffA });
  assert.equal(r.status, 200);
  assert.equal(r.json.id, a.json.id);
  assert.match(r.json.removed_at, /^\d{4}-\d\d-\d\dT.*Z$/);
  assert.match(r.json.removed_by, /^apikey:\d+$/);
  assert.equal((await s.api('GET', `/api/v1/attachments/${a.json.id}`, { token: keys.staffA })).status, 404);
  assert.equal((await s.api('GET', `/api/v1/attachments/${a.json.id}/content`, { token: keys.staffA })).status, 404);
  assert.equal((await s.api('DELETE', `/api/v1/attachments/${a.json.id}`, { token: keys.staffA })).status, 404);
  const l = await list(keys.staffA, 'household', ids.a.household);
  assert.ok(!l.json.items.some((x) => x.id === a.json.id));

  const trail = await s.api('GET', `/api/v1/audit?object_type=household&object_id=${ids.a.household}&action=attachment.*`, { token: keys.auditor });
  assert.equal(trail.status, 200);
  const mine = trail.json.items.filter((x) => x.after?.attachment_id === a.json.id);
  assert.deepEqual(mine.map((x) => x.action).sort(), ['attachment.add', 'attachment.remove']);
  for (const x of mine) {
    assert.equal(x.after.category, 'hukou_book');
    assert.equal(x.after.filename, '户口簿.jpg');
    assert.equal(x.after.sha256, sha256(jpeg()));
    assert.equal(x.after.size, jpeg().length);
  }
});

test('a retried upload with the same Idempotency-Key makes one row', async () => {
  const before = (await list(keys.staffA, 'unit', ids.a.unit)).json.items.length;
  const h = { 'Idempotency-Key': 'upload-photo-1' };
  const bytes = png(77, 77, 77);
  const a = await upload(keys.staffA, 'unit', ids.a.unit, bytes, { filename: 'retry.png', headers: h });
  const b = await upload(keys.staffA, 'unit', ids.a.unit, bytes, { filename: 'retry.png', headers: h });
  assert.equal(a.status, 201);
  assert.equal(b.status, 201);
  assert.deepEqual(b.json, a.json);
  assert.equal(b.headers.get('idempotent-replayed'), 'true');
  assert.equal((await list(keys.staffA, 'unit', ids.a.unit)).json.items.length, before + 1);
  // The same key with other bytes is another request: refused.
  const c = await upload(keys.staffA, 'unit', ids.a.unit, png(78, 78, 78), { filename: 'retry.png', headers: h });
  assert.equal(c.status, 422);
  assert.equal(c.json.error.code, 'idempotency_key_reused');
});

test('lists page by id', async () => {
  const made = [];
  for (let i = 0; i < 5; i++) made.push((await upload(keys.bureau, 'unit', ids.b.unit, png(100, i, 0))).json.id);
  const seen = [];
  let cursor = null;
  do {
    const r = await s.api('GET', `/api/v1/attachments?owner_type=unit&owner_id=${ids.b.unit}&limit=2${cursor ? `&cursor=${cursor}` : ''}`, { token: keys.staffB });
    assert.equal(r.status, 200);
    assert.ok(r.json.items.length <= 2);
    seen.push(...r.json.items.map((x) => x.id));
    cursor = r.json.next;
  } while (cursor);
  for (const id of made) assert.ok(seen.includes(id));
  assert.deepEqual(seen, [...seen].sort((x, y) => x - y));
});

test('a backup and restore bring an attachment\'s bytes back', async () => {
  const bytes = pdf('backup');
  const a = await upload(keys.staffA, 'unit', ids.a.unit, bytes, { category: 'contract', filename: '备份.pdf' });
  assert.equal(a.status, 201);
  const dir = mkdtempSync(join(tmpdir(), 'anju-files-backup-'));
  try {
    const archive = join(dir, 'backup.tar');
    let out = spawnSync(BIN, ['backup', '--data', s.data.dir, '--to', archive], { encoding: 'utf8' });
    assert.equal(out.status, 0, out.stderr);
    const target = { dir: join(dir, 'restored'), token: s.data.token };
    const args = ['restore', '--data', target.dir, '--from', archive, '--keys', join(s.data.dir, 'keys')];
    if (ENGINE === 'postgresql') args.push('--db', newPgDatabase());
    out = spawnSync(BIN, args, { encoding: 'utf8' });
    assert.equal(out.status, 0, out.stderr);
    const t = new (s.constructor)(target, { schedules: 'false', job_workers: '0' });
    await t.start();
    try {
      const res = await fetch(`${t.base}/api/v1/attachments/${a.json.id}/content`, { headers: { Authorization: `Bearer ${keys.staffA}` } });
      assert.equal(res.status, 200);
      assert.ok(Buffer.from(await res.arrayBuffer()).equals(bytes));
      const r = await t.api('GET', `/api/v1/attachments/${a.json.id}`, { token: keys.staffA });
      assert.deepEqual(r.json, a.json);
    } finally { await t.stop(); }
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
