// The recheck (动态复核) and evictions (清退) in the console: the API calls of
// their screens and the words for outcomes, decisions, reasons and states.
// The rules live on the server; only the bureau decides (the buttons show
// for the bureau, and the server refuses anyone else with bureau_only).
import { fileUrl, newIdempotencyKey, request } from '../api.js';
import { session } from '../session.js';

const get = (path, query, opts) => request('GET', path, { query, ...opts });
// Forms show an error that names a field beside them; others api.js shows.
const fieldErrors = (codes = []) => (err) =>
  (Boolean(err.field) && err.status !== 401 && err.status !== 403) || codes.includes(err.code);
const post = (path, body, codes) =>
  request('POST', path, { body: body ?? {}, handle: fieldErrors(codes), idempotencyKey: newIdempotencyKey() });

export const rechecks = {
  start: (asOf) => post('/rechecks', asOf ? { as_of: asOf } : {}, ['recheck_running', 'invalid_date']),
  list: (cursor, limit = 20) => get('/rechecks', { cursor, limit }),
  get: (id) => get(`/rechecks/${id}`),
  results: (id, filters, cursor, limit = 50) => get(`/rechecks/${id}/results`, { ...filters, cursor, limit }),
  result: (id) => get(`/recheck-results/${id}`),
  confirm: (id, note) => post(`/recheck-results/${id}/confirm`, { note }, ['recheck_result_decided', 'eviction_open', 'no_lease_in_force']),
  overturn: (id, note) => post(`/recheck-results/${id}/overturn`, { note }, ['recheck_result_decided']),
  signals: (householdId) => get(`/households/${householdId}/signals`),
};

export const evictions = {
  list: (filters, cursor, limit = 50) => get('/evictions', { ...filters, cursor, limit }),
  get: (id) => get(`/evictions/${id}`),
  notice: (id, servedOn) => post(`/evictions/${id}/notice`, { served_on: servedOn }, ['eviction_state']),
  vacated: (id, vacatedOn) => post(`/evictions/${id}/vacated`, { vacated_on: vacatedOn }, ['eviction_state', 'lease_state']),
  cancel: (id, reason) => post(`/evictions/${id}/cancel`, { reason }, ['eviction_state']),
  close: (id, note) => post(`/evictions/${id}/close`, note ? { note } : {}, ['eviction_state']),
  noticeUrl: (id) => fileUrl(`/evictions/${id}/notice.pdf`),
};

// Whether the signed-in user decides (the bureau).
export const decides = () => session.me?.role === 'bureau';

export const OUTCOMES = {
  eligible: { text: '继续符合', type: 'success' },
  propose_exit: { text: '建议退出', type: 'danger' },
  investigate: { text: '需要核查', type: 'warning' },
};
export const DECISIONS = {
  pending: { text: '待决定', type: 'warning' },
  confirmed: { text: '已确认', type: 'danger' },
  overturned: { text: '已否决', type: 'success' },
};
export const RUN_STATES = {
  queued: { text: '排队中', type: 'info' },
  running: { text: '进行中', type: 'warning' },
  finished: { text: '已完成', type: 'success' },
  failed: { text: '失败', type: 'danger' },
  canceled: { text: '已取消', type: 'info' },
};
export const EVICTION_STATES = {
  decided: { text: '已决定清退', type: 'danger' },
  notice_served: { text: '已送达通知', type: 'warning' },
  vacating: { text: '搬迁期内', type: 'warning' },
  overdue: { text: '逾期未腾退', type: 'danger' },
  vacated: { text: '已腾退', type: 'success' },
  closed: { text: '已结案', type: 'info' },
  cancelled: { text: '已撤销', type: 'info' },
};
export const BASES = { recheck: '动态复核', violation: '违规使用', arrears: '拖欠租金' };
export const WEIGHTS = { exit: '退出', investigate: '核查' };

export const outcomeOf = (o) => OUTCOMES[o] || { text: o, type: 'info' };
export const decisionOf = (d) => (d ? DECISIONS[d] || { text: d, type: 'info' } : null);
export const runStateOf = (s) => RUN_STATES[s] || { text: s, type: 'info' };
export const evictionStateOf = (s) => EVICTION_STATES[s] || { text: s, type: 'info' };

// Today in Asia/Shanghai, YYYY-MM-DD: the default date of a form.
export function today() {
  return new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);
}
