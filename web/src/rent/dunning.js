// Arrears and dunning (催缴) in the console: the API calls of the dunning
// screens and the words for levels, channels and states.  The rules (months
// owed, ageing, levels, referrals) live on the server; only the bureau
// decides a referral (the buttons show for the bureau, and the server
// refuses anyone else with bureau_only).
import { fileUrl, newIdempotencyKey, request } from '../api.js';
import { session } from '../session.js';

const get = (path, query, opts) => request('GET', path, { query, ...opts });
// Forms show an error that names a field beside them; others api.js shows.
const fieldErrors = (codes = []) => (err) =>
  (Boolean(err.field) && err.status !== 401 && err.status !== 403) || codes.includes(err.code);
const post = (path, body, codes) =>
  request('POST', path, { body: body ?? {}, handle: fieldErrors(codes), idempotencyKey: newIdempotencyKey() });
const send = (method, path, body, codes) => request(method, path, { body, handle: fieldErrors(codes) });

export const arrears = {
  list: (filters, cursor, limit = 50) => get('/arrears', { ...filters, cursor, limit }),
  household: (id, asOf) => get(`/households/${id}/arrears`, { as_of: asOf }),
  chain: (id, asOf) => get(`/lease-chains/${id}/arrears`, { as_of: asOf }),
};

export const dunning = {
  cases: (filters, cursor, limit = 50) => get('/dunning-cases', { ...filters, cursor, limit }),
  get: (id) => get(`/dunning-cases/${id}`),
  act: (id, body) => post(`/dunning-cases/${id}/actions`, body, ['dunning_case_closed', 'invalid_attachment']),
  notice: (id) => post(`/dunning-cases/${id}/notices`, {}, ['dunning_case_closed']),
  noticeUrl: (id) => fileUrl(`/dunning-notices/${id}/pdf`),
  attach: (id, file) =>
    request('POST', '/attachments', {
      query: { owner_type: 'dunning_case', owner_id: id, category: 'photo', filename: file.name },
      raw: file,
    }),
  attachmentUrl: (id) => fileUrl(`/attachments/${id}/content`),
  run: () => post('/dunning-runs', {}, ['dunning_running']),
  levels: () => get('/dunning-levels'),
  createLevel: (level) => post('/dunning-levels', level, ['level_exists', 'level_days_taken']),
  patchLevel: (id, patch) => send('PATCH', `/dunning-levels/${id}`, patch, ['level_days_taken']),
  policy: () => get('/dunning-policy'),
  setPolicy: (months) => send('PUT', '/dunning-policy', { referral_months: months }),
};

export const referrals = {
  list: (filters, cursor, limit = 50) => get('/arrears-referrals', { ...filters, cursor, limit }),
  decide: (id, decision, reason) =>
    post(`/arrears-referrals/${id}/decide`, { decision, reason }, ['referral_decided', 'eviction_open', 'no_lease_in_force']),
};

export const outbox = {
  list: (filters, cursor, limit = 50) => get('/outbox', { ...filters, cursor, limit }),
  retry: (id) => post(`/outbox/${id}/retry`, {}, ['outbox_not_failed']),
  send: () => post('/outbox/send', {}),
  sender: () => get('/outbox-sender'),
  setSender: (s) => send('PUT', '/outbox-sender', s, ['invalid_url', 'invalid_secret']),
};

// Whether the signed-in user decides referrals (the bureau).
export const decides = () => session.me?.role === 'bureau';

export const CHANNELS = {
  sms: '短信',
  phone: '电话',
  letter: '书面通知',
  visit: '上门',
  withholding: '代扣失败',
};

export const BUCKETS = [
  { key: 'd0_30', text: '0-30 天' },
  { key: 'd31_90', text: '31-90 天' },
  { key: 'd91_180', text: '91-180 天' },
  { key: 'over_180', text: '180 天以上' },
];

export const REFERRAL_STATES = {
  proposed: { text: '待决定', type: 'warning' },
  referred: { text: '已决定清退', type: 'danger' },
  dismissed: { text: '不予清退', type: 'info' },
  withdrawn: { text: '已撤回', type: 'info' },
};

export const OUTBOX_STATES = {
  pending: { text: '待发送', type: 'warning' },
  sent: { text: '已发送', type: 'success' },
  failed: { text: '发送失败', type: 'danger' },
};

// Today in Asia/Shanghai, YYYY-MM-DD.
export function today() {
  return new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);
}
