// Money data for the browser tests, made through the API with keys made on
// the command line: a community with households, charges raised by finance,
// a paper receipt book received and handed to a clerk's account, payments.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apikey } from '../../api/lib/server.js';
import { idNumber } from './housing.js';

// Today in Asia/Shanghai, YYYY-MM-DD (a receipt book's date may not be later).
export const today = () => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());

// Calls the API with a key; throws unless the answer is 2xx.
export function caller(server, token) {
  return async (method, path, body, headers = {}) => {
    const r = await server.api(method, path, { body, token, headers });
    if (r.status < 200 || r.status > 299) throw new Error(`${method} ${path}: ${r.status} ${r.text}`);
    return r.json;
  };
}

// The id of an account by its username (the admin's key lists accounts).
export async function accountId(server, username) {
  let cursor = '';
  for (;;) {
    const r = await server.api('GET', `/api/v1/accounts?limit=200${cursor ? `&cursor=${cursor}` : ''}`);
    if (r.status !== 200) throw new Error(`GET /api/v1/accounts: ${r.status} ${r.text}`);
    const hit = r.json.items.find((a) => a.username === username);
    if (hit) return hit.id;
    if (!r.json.next) throw new Error(`no account ${username}`);
    cursor = r.json.next;
  }
}

// 金桂苑公租房 with households (heads named in heads, each with a phone
// 100555000nn), made with a bureau key.  Returns {community, households:
// [{id, head, phone}]}.
export async function seedHouseholds(server, heads) {
  const bureau = caller(server, apikey(server.data.dir, 'bureau', 'money-seed', ['--all-communities']));
  const community = await bureau('POST', '/api/v1/communities', { name: '金桂苑公租房', district: '咸安区' });
  const households = [];
  for (const [i, head] of heads.entries()) {
    const phone = `100555000${String(i + 10).padStart(2, '0')}`;
    const h = await bureau('POST', '/api/v1/households', {
      community_id: community.id,
      category: 'low_income',
      members: [{ name: head, id_number: idNumber('19790615', 60 + i), phone, relationship: 'head' }],
    });
    households.push({ id: h.id, head, phone });
  }
  return { community, households };
}

// The text of a PDF, by pdftotext -layout (poppler-utils).
export function pdfText(bytes) {
  const dir = mkdtempSync(join(tmpdir(), 'anju-pdf-'));
  try {
    const file = join(dir, 'receipt.pdf');
    writeFileSync(file, bytes);
    return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
