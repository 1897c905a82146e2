// A violation case through the console (issue 8 §2): the operator's manager
// records a report on a tenant's unit, adds a photo as evidence (its hash
// shown), starts the investigation and proposes to confirm; the bureau
// opens the case, sees the amounts the confirm would raise (back charge
// and fine), confirms it with a reason and downloads the evidence package.
// Set-up that is not the point is made through the API and the command
// line.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { apikey } from '../api/lib/server.js';
import { firstSignIn, pageErrors, shot } from './lib/browser.js';
import { account, png } from './lib/housing.js';
import { pageTest, useConsole } from './lib/suite.js';

const env = useConsole();
const PDF = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');
const PHOTO = png(32, 24, [200, 40, 40]);
let seeded = null;
let caseId = 0;

function idNumber(n) {
  const d17 = '99010119800101' + String(n).padStart(3, '0');
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(d17[i]) * w[i];
  return d17 + '10X98765432'[sum % 11];
}
function monthsAgo(m) {
  const d = new Date(Date.now() + 8 * 3600e3);
  d.setUTCMonth(d.getUTCMonth() - m);
  return d.toISOString().slice(0, 10);
}

// A tenancy on a unit of a community; the accounts that sign in.
async function seed() {
  if (seeded) return seeded;
  const s = env.server;
  const bureau = apikey(s.data.dir, 'bureau', 'violation-b', ['--all-communities']);
  const api = async (method, path, body, token = bureau, extra = {}) => {
    const r = await s.api(method, path, { body, token, ...extra });
    assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${r.text}`);
    return r.json;
  };
  const c = await api('POST', '/api/v1/communities', { name: '长安花苑公租房' });
  const manager = apikey(s.data.dir, 'operator_manager', 'violation-m', ['--community', String(c.id)]);
  const b = await api('POST', '/api/v1/buildings', { community_id: c.id, name: '7', floors: 6, entrances: 1 });
  const u = await api('POST', '/api/v1/units', {
    building_id: b.id, entrance: 1, floor: 3, number: '7-1-301', layout: '一室一厅', floor_area: 6500, usable_area: 5200,
  });
  const k = await api('POST', `/api/v1/units/${u.id}/acceptance`, { items: [{ room: '客厅', item: '墙面', condition: 'good' }] }, manager);
  await api('POST', `/api/v1/acceptance-checks/${k.id}/sign`, undefined, manager);
  await api('POST', `/api/v1/acceptance-checks/${k.id}/confirm`);
  const h = await api('POST', '/api/v1/households', {
    community_id: c.id, category: 'low_income', local_hukou: true, monthly_income_fen: 100000,
    members: [{ name: '王小一', id_number: idNumber(1), relationship: 'head' }],
  });
  const l = await api('POST', '/api/v1/leases', {
    household_id: h.id, unit_id: u.id, starts_on: monthsAgo(11), term_months: 24, monthly_rent_fen: 45000,
    deposit_fen: 0, existing: true, existing_reason: '试点前已签纸质合同',
  }, manager);
  const scan = await api('POST', `/api/v1/attachments?owner_type=lease&owner_id=${l.id}&category=contract`, undefined, manager,
    { raw: PDF, headers: { 'Content-Type': 'application/octet-stream' } });
  await api('POST', `/api/v1/leases/${l.id}/sign`, { signature_kind: 'scan', signature_attachment_id: scan.id, signed_on: monthsAgo(11) }, manager);
  seeded = {
    manager: account(s, 'violation-mgr', 'operator_manager', ['--name', '经理王五', '--community', String(c.id)]),
    bureau: account(s, 'violation-boss', 'bureau', ['--name', '住建局李四', '--all-communities']),
  };
  return seeded;
}

pageTest('the manager records a report with a photo, investigates and proposes', env, async (page) => {
  const pw = await seed();
  await firstSignIn(page, 'violation-mgr', pw.manager);
  await page.getByRole('menuitem', { name: '违规案件' }).click();
  await page.getByRole('button', { name: '登记线索' }).click();
  const dialog = page.getByRole('dialog', { name: '登记违规线索' });
  // The place picker: the community, the building, then the unit by number.
  const pick = async (testId, option) => {
    await dialog.getByTestId(testId).locator('.el-select__wrapper').first().click();
    await page.getByRole('option', { name: option, exact: true }).click();
  };
  await pick('community', '长安花苑公租房');
  await pick('building', '7号楼');
  await pick('unit', '7-1-301');
  await dialog.getByTestId('summary').fill('邻居反映该房屋已转租他人');
  await dialog.getByTestId('submit-report').click();
  await page.getByTestId('state').getByText('疑似').waitFor();
  caseId = Number(/violations\/(\d+)/.exec(page.url())[1]);
  await page.getByTestId('evidence-file').setInputFiles({ name: '门口.png', mimeType: 'image/png', buffer: PHOTO });
  const item = page.getByTestId('evidence').first();
  await item.getByText(createHash('sha256').update(PHOTO).digest('hex')).waitFor();
  await page.getByTestId('investigate').click();
  await page.getByTestId('state').getByText('调查中').waitFor();
  await page.getByPlaceholder('建议理由').fill('租客承认转租');
  await page.getByRole('button', { name: '提出建议' }).click();
  await page.getByText(/建议认定：租客承认转租/).waitFor();
  await shot(page, 'violation-proposed');

  // A renovation request for the same unit, chosen with the place picker
  // (a unit only: no location kinds to choose from).
  await page.getByRole('menuitem', { name: '装修申请' }).click();
  await page.getByRole('button', { name: '登记申请' }).click();
  const reno = page.getByRole('dialog', { name: '登记装修申请' });
  assert.equal(await reno.getByTestId('location').count(), 0);
  for (const [testId, option] of [['community', '长安花苑公租房'], ['building', '7号楼'], ['unit', '7-1-301']]) {
    await reno.getByTestId(testId).locator('.el-select__wrapper').first().click();
    await page.getByRole('option', { name: option, exact: true }).click();
  }
  await reno.getByTestId('reno-description').fill('更换卫生间地砖');
  for (const [testId, days] of [['reno-from', 7], ['reno-to', 14]]) {
    const d = new Date(Date.now() + (8 * 3600e3) + days * 86400e3).toISOString().slice(0, 10);
    await reno.getByTestId(testId).locator('input').fill(d);
    await reno.getByTestId(testId).locator('input').press('Enter');
  }
  await reno.getByTestId('reno-submit').click();
  await reno.waitFor({ state: 'hidden' });
  await page.locator('.el-table').getByText('7-1-301').first().waitFor();
  assert.deepEqual(pageErrors(page), []);
});

pageTest('the bureau sees the amounts, confirms and downloads the package', env, async (page) => {
  const pw = await seed();
  assert.ok(caseId > 0, 'the first test made the case');
  await firstSignIn(page, 'violation-boss', pw.bureau);
  await page.goto(`/upkeep/violations/${caseId}`);
  const preview = page.getByTestId('preview');
  await preview.waitFor();
  const back = await preview.getByTestId('back-charge').innerText();
  assert.match(back, /^\d[\d,]*\.\d{2}$/);
  assert.notEqual(back, '0.00');
  assert.equal(await preview.getByTestId('penalty').innerText(), '1,000.00');
  await page.getByTestId('reason').fill('证据确凿，认定转租');
  await page.getByTestId('confirm').click();
  await page.getByTestId('state').getByText('已认定').waitFor();
  await page.getByText(new RegExp(`补缴租金 ${back.replace('.', '\\.')} 元，罚款 1,000\\.00 元`)).waitFor();
  const download = page.waitForEvent('download');
  await page.getByTestId('package').click();
  const file = await (await download).path();
  const zip = readFileSync(file);
  assert.equal(zip.subarray(0, 2).toString(), 'PK');
  assert.ok(zip.includes(Buffer.from('manifest.txt')));
  await shot(page, 'violation-confirmed');
  assert.deepEqual(pageErrors(page), []);
});
