// Leases (租赁合同) in the console: the API calls of the lease screens and
// the words for kinds, states and changes.  Amounts are integer fen
// (common/money.js reads yuan exactly); the rules live on the server.
import { fileUrl, newIdempotencyKey, request } from '../api.js';

const get = (path, query, opts) => request('GET', path, { query, ...opts });
// Forms show an error that names a field beside it; others are shown by api.js.
const fieldErrors = (codes = []) => (err) =>
  (Boolean(err.field) && err.status !== 401 && err.status !== 403) || codes.includes(err.code);
const post = (path, body, codes) =>
  request('POST', path, { body: body ?? {}, handle: fieldErrors(codes), idempotencyKey: newIdempotencyKey() });

export const leases = {
  list: (filters, cursor, limit = 50) => get('/leases', { ...filters, cursor, limit }),
  get: (id) => get(`/leases/${id}`),
  create: (body) => post('/leases', body, ['no_accepted_offer', 'unit_status', 'lease_overlaps', 'tenancy_open', 'term_too_long']),
  sign: (id, body) => post(`/leases/${id}/sign`, body, ['lease_state', 'lease_overlaps', 'signature_invalid', 'application_state']),
  void: (id, reason) => post(`/leases/${id}/void`, { reason }, ['lease_state']),
  file: (id, filedOn, reference) =>
    post(`/leases/${id}/file`, { filed_on: filedOn, reference: reference || undefined }, ['already_filed', 'lease_state']),
  renewalCheck: (id) => get(`/leases/${id}/renewal-check`),
  renew: (id, body) => post(`/leases/${id}/renew`, body, ['renewal_window', 'renewal_exists', 'renewal_not_eligible', 'lease_state', 'term_too_long']),
  change: (id, body) =>
    post(`/leases/${id}/change`, body, ['members_unchanged', 'renewal_exists', 'lease_state', 'unit_status', 'already_tenant', 'tenant_not_adult', 'bureau_only']),
  renewalsDue: (communityId) => get('/leases/renewals-due', { community_id: communityId || undefined }),
  filingDue: (communityId, overdue) =>
    get('/leases/filing-due', { community_id: communityId || undefined, overdue: overdue ? 'true' : undefined }),
  acceptedOffers: () => get('/offers', { state: 'accepted', limit: 200 }, { handle: ['forbidden', 'http_404'] }),
  // The signature or the scanned contract, as an attachment of the lease.
  upload: (id, file, filename) =>
    request('POST', '/attachments', {
      query: { owner_type: 'lease', owner_id: id, category: 'contract', filename },
      raw: file,
    }),
  contractUrl: (id) => fileUrl(`/leases/${id}/contract.pdf`),
};

export const STATES = {
  draft: { text: '草稿', type: 'info' },
  signed: { text: '已签订', type: 'warning' },
  in_force: { text: '履行中', type: 'success' },
  ended: { text: '已终止', type: '' },
  void: { text: '已作废', type: 'danger' },
};
export const KINDS = { new: '新签', renewal: '续签', change: '变更' };
export const CHANGE_KINDS = [
  { name: 'members', title: '家庭成员变更' },
  { name: 'tenant', title: '更换承租人' },
  { name: 'unit', title: '调换房屋（住房保障部门）' },
];
export const RELATIONSHIPS = [
  { name: 'spouse', title: '配偶' },
  { name: 'child', title: '子女' },
  { name: 'parent', title: '父母' },
  { name: 'sibling', title: '兄弟姐妹' },
  { name: 'other', title: '其他' },
];
export const END_REASONS = { expired: '到期', changed: '变更', move_out: '退房', eviction: '清退' };
export const endReason = (r) => END_REASONS[r] || r || '';
export const stateOf = (s) => STATES[s] || { text: s, type: 'info' };
// Today in Asia/Shanghai, YYYY-MM-DD.
export const today = () => new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);
