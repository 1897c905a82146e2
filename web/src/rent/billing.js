// Rent standards and billing runs in the console (part A of the rent
// module): the API calls of their screens and the words for their states.
// The rules live on the server: only the bureau edits standards (others get
// bureau_only), finance and the operator's managers bill.
import { newIdempotencyKey, request } from '../api.js';

const get = (path, query) => request('GET', path, { query });
// Forms show an error that names a field beside them; others api.js shows.
const fieldErrors = (codes = []) => (err) =>
  (Boolean(err.field) && err.status !== 401 && err.status !== 403) || codes.includes(err.code);
const post = (path, body, codes) =>
  request('POST', path, { body: body ?? {}, handle: fieldErrors(codes), idempotencyKey: newIdempotencyKey() });

export const standards = {
  list: (filters, cursor, limit = 100) => get('/rent-standards', { ...filters, cursor, limit }),
  create: (body) => post('/rent-standards', body, ['standard_exists', 'standard_in_force', 'bureau_only']),
  withdraw: (id, reason) => post(`/rent-standards/${id}/withdraw`, { reason }, ['standard_in_force', 'standard_withdrawn']),
  quote: (unitId, householdId, on) =>
    request('GET', '/rent-quote', {
      query: { unit_id: unitId, household_id: householdId, on },
      handle: fieldErrors(['rent_standard_missing', 'unit_not_found', 'household_not_found']),
    }),
};

export const billing = {
  start: (period, chainIds) =>
    post('/billing-runs', chainIds?.length ? { period, chain_ids: chainIds } : { period }, [
      'period_closed',
      'period_too_far',
      'period_past',
      'billing_running',
      'chain_not_found',
    ]),
  list: (cursor, limit = 20) => get('/billing-runs', { cursor, limit }),
  get: (id) => get(`/billing-runs/${id}`),
};

export const modeText = { per_m2: '按建筑面积', fixed: '固定月租' };
export const roundingText = {
  half_up: '四舍五入',
  half_even: '银行家舍入',
  down: '舍去',
  up: '进一',
  floor: '向下取整',
  ceiling: '向上取整',
};
export const reductionKindText = { category: '家庭类别', special_group: '特殊群体', income_tier: '收入档次' };
export const statusOf = (s) =>
  ({
    in_force: { text: '执行中', type: 'success' },
    future: { text: '待生效', type: 'warning' },
    superseded: { text: '已被新版本取代', type: 'info' },
    withdrawn: { text: '已撤回', type: 'info' },
  })[s] || { text: s, type: 'info' };
export const runStateOf = (s) =>
  ({
    running: { text: '计租中', type: 'warning' },
    done: { text: '已完成', type: 'success' },
    failed: { text: '失败', type: 'danger' },
  })[s] || { text: s, type: 'info' };

// "60%" from parts per million.
export const shareText = (ppm) => `${Number(ppm) / 10000}%`;

// This month and the next in Asia/Shanghai, "YYYY-MM".
export function months() {
  const d = new Date(Date.now() + 8 * 3600e3);
  const cur = d.toISOString().slice(0, 7);
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() + 1);
  return { current: cur, next: d.toISOString().slice(0, 7) };
}
export const today = () => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
