// Move-in and move-out (入住, 退房) in the console: the API calls of the
// handover screens and the words for conditions, kinds and settlement
// states.  Amounts are integer fen (common/money.js reads yuan exactly).
import { request } from '../api.js';

const get = (path, query, opts) => request('GET', path, { query, ...opts });
// Forms show an error that names a field beside it; others are shown by api.js.
const fieldErrors = (codes = []) => (err) =>
  (Boolean(err.field) && err.status !== 401 && err.status !== 403) || codes.includes(err.code);

export const handovers = {
  list: (filters, cursor, limit = 50) => get('/handovers', { ...filters, cursor, limit }),
  ofLease: (leaseId) => get(`/leases/${leaseId}/handovers`),
  get: (id) => get(`/handovers/${id}`),
  openMoveIn: (leaseId) => request('POST', `/leases/${leaseId}/move-in`, { handle: ['handover_exists', 'lease_state'] }),
  openMoveOut: (leaseId) => request('POST', `/leases/${leaseId}/move-out`, { handle: ['lease_state'] }),
  update: (id, patch) => request('PATCH', `/handovers/${id}`, { body: patch, handle: fieldErrors() }),
  setItems: (id, items) => request('PUT', `/handovers/${id}/items`, { body: { items }, handle: fieldErrors() }),
  updateItem: (id, itemId, patch) =>
    request('PATCH', `/handovers/${id}/items/${itemId}`, { body: patch, handle: fieldErrors() }),
  complete: (id, doneOn) =>
    request('POST', `/handovers/${id}/complete`, {
      body: doneOn ? { done_on: doneOn } : {},
      handle: fieldErrors(['deposit_unpaid', 'lease_not_in_force', 'keys_required', 'unit_status', 'lease_state']),
    }),
  askSettlement: (id, channel, reason) =>
    request('POST', `/handovers/${id}/settlement`, {
      body: { channel, reason },
      handle: fieldErrors(['settlement_pending', 'settlement_done', 'nothing_to_settle']),
    }),
};

export const KINDS = { move_in: '入住交接', move_out: '退房交接' };
export const STATES = {
  draft: { text: '办理中', type: 'warning' },
  done: { text: '已完成', type: 'success' },
};
export const CONDITIONS = [
  { name: 'good', title: '完好', type: 'success' },
  { name: 'worn', title: '有磨损', type: 'info' },
  { name: 'damaged', title: '损坏', type: 'danger' },
  { name: 'missing', title: '缺失', type: 'danger' },
];
export const conditionOf = (name) => CONDITIONS.find((c) => c.name === name) || null;
export const METERS = [
  { name: 'water', title: '水表', unit: '吨' },
  { name: 'electricity', title: '电表', unit: '度' },
  { name: 'gas', title: '燃气表', unit: '立方米' },
];
export const REFUND_CHANNELS = { cash: '现金', bank_transfer: '银行转账' };
export const SETTLEMENT_STATES = {
  preview: { text: '预计（尚未提交）', type: 'info' },
  none: { text: '无需结算', type: 'info' },
  requested: { text: '待审批', type: 'warning' },
  approved: { text: '已结算', type: 'success' },
  rejected: { text: '已驳回，可重新申请', type: 'danger' },
  canceled: { text: '已撤回，可重新申请', type: 'info' },
};
// A meter reading as the server takes it: digits, at most three decimals.
export const readingOk = (s) => s === '' || /^\d{1,9}(\.\d{1,3})?$/.test(s);
