// Housing data for the browser tests, made through the API with a bureau key
// (and accounts with the command line), so each test file starts from a
// known small world: one community with one building of units in several
// statuses, and households with members.
import { deflateSync, crc32 } from 'node:zlib';
import { apikey, run } from '../../api/lib/server.js';

// A resident ID number (GB 11643) that passes the check digit but begins with
// region 99, which no province uses: it belongs to nobody.
export function idNumber(birth, seq) {
  const body = `990101${birth}${String(seq).padStart(3, '0')}`;
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...body].reduce((a, d, i) => a + Number(d) * w[i], 0);
  return body + '10X98765432'[sum % 11];
}

// A small valid PNG (w × h of one colour), made here so that no fixture file
// is needed.
export function png(w = 24, h = 16, rgb = [31, 111, 235]) {
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // truecolour
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: w }, () => rgb).flat())]);
  const raw = Buffer.concat(Array.from({ length: h }, () => row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

async function ok(server, token, method, path, body) {
  const r = await server.api(method, path, { body, token });
  if (r.status < 200 || r.status > 299) throw new Error(`${method} ${path}: ${r.status} ${r.text}`);
  return r.json;
}

// An account made with the command line; returns its initial password.
export function account(server, username, role, flags = []) {
  const out = run(['user', 'add', '--data', server.data.dir, '--username', username, '--role', role, '--generate-password', ...flags]);
  const m = /initial password.*: (\S+)$/m.exec(out);
  if (!m) throw new Error(`no password in: ${out}`);
  return m[1];
}

// 丹桂苑 (a community of the tests' own) with building 1: 6 floors, 2
// entrances, 2 units per entrance and floor (1-1-0101 ...), the ground floor
// still pending acceptance, the rest confirmed (vacant), one under repair;
// and households with members.  Returns the ids and the people.
export async function seedHousing(server) {
  const bureau = apikey(server.data.dir, 'bureau', 'browser-seed', ['--all-communities']);
  const call = (method, path, body) => ok(server, bureau, method, path, body);

  const community = await call('POST', '/api/v1/communities', {
    name: '丹桂苑公租房',
    address: '咸宁市咸安区丹桂路 8 号',
    district: '咸安区',
  });
  const building = await call('POST', '/api/v1/buildings', {
    community_id: community.id,
    name: '1',
    floors: 6,
    entrances: 2,
    has_lift: false,
  });
  // The operator opens and signs the acceptance checks; the bureau confirms.
  const operator = apikey(server.data.dir, 'operator_manager', 'browser-seed-op', ['--community', String(community.id)]);
  const op = (method, path, body) => ok(server, operator, method, path, body);
  const units = {};
  for (let floor = 1; floor <= 6; floor++) {
    for (let entrance = 1; entrance <= 2; entrance++) {
      for (let door = 1; door <= 2; door++) {
        const number = `1-${entrance}-${String(floor).padStart(2, '0')}${String(door).padStart(2, '0')}`;
        const u = await call('POST', '/api/v1/units', {
          building_id: building.id,
          entrance,
          floor,
          number,
          layout: door === 1 ? '一室一厅' : '两室一厅',
          floor_area: door === 1 ? 4250 : 5680,
          usable_area: door === 1 ? 3400 : 4544,
          orientation: '南北',
        });
        units[number] = u.id;
        if (floor === 1) continue;
        const check = await op('POST', `/api/v1/units/${u.id}/acceptance`, {
          notes: '交付核验',
          items: [
            { room: '客厅', item: '墙面', condition: 'good' },
            { room: '卫生间', item: '水电', condition: 'good' },
          ],
        });
        await op('POST', `/api/v1/acceptance-checks/${check.id}/sign`, {});
        await call('POST', `/api/v1/acceptance-checks/${check.id}/confirm`, {});
      }
    }
  }
  await call('POST', `/api/v1/units/${units['1-1-0302']}/repair`, { reason: '卫生间渗水' });

  const people = [
    { name: '周建国', id_number: idNumber('19800512', 11), phone: '10012345678', relationship: 'head' },
    { name: '李秀兰', id_number: idNumber('19820304', 22), phone: '10012345679', relationship: 'spouse' },
    { name: '周小雨', id_number: idNumber('20100909', 32), relationship: 'child' },
  ];
  const household = await call('POST', '/api/v1/households', {
    community_id: community.id,
    category: 'new_employee',
    hukou: '湖北省咸宁市咸安区',
    employer: '咸宁市丹桂物业服务有限公司',
    monthly_income_fen: 520000,
    assets_fen: 3000000,
    current_housing: '租住',
    members: people.map((p) => ({
      name: p.name,
      id_number: p.id_number,
      ...(p.phone ? { phone: p.phone } : {}),
      relationship: p.relationship,
    })),
  });
  await call('POST', '/api/v1/households', {
    community_id: community.id,
    category: 'migrant_worker',
    members: [{ name: '周志强', id_number: idNumber('19950101', 41), phone: '10087654321', relationship: 'head' }],
  });
  return { community, building, units, household, people };
}
