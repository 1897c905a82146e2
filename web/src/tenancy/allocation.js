// Allocation (配租) in the console: the API calls of the waitlist, the
// batches with their lottery, choice turns and offers, and how they name
// states.  The rules are the server's; these pages show and ask.
import { request } from '../api.js';
import { session } from '../session.js';

const get = (path, query) => request('GET', path, { query });
// Forms show an error that names a field beside it; others are shown by api.js.
const fieldErrors = (err) => Boolean(err.field) && err.status !== 401 && err.status !== 403;
const post = (path, body, opts = {}) => request('POST', path, { body: body ?? {}, ...opts });

export const allocation = {
  waitlist: (filters, cursor, limit = 50) => get('/waitlist', { ...filters, cursor, limit }),
  position: (householdId) => get(`/households/${householdId}/waitlist`),
  list: (filters, cursor, limit = 50) => get('/allocations', { ...filters, cursor, limit }),
  get: (id) => get(`/allocations/${id}`),
  create: (body, idempotencyKey) => post('/allocations', body, { handle: fieldErrors, idempotencyKey }),
  publish: (id) => post(`/allocations/${id}/publish`),
  commit: (id, party, commitHash) =>
    post(`/allocations/${id}/commitments`, { party, commit_hash: commitHash }, { handle: fieldErrors }),
  reveal: (id, party, value) => post(`/allocations/${id}/reveals`, { party, value }, { handle: fieldErrors }),
  publicity: (id) => post(`/allocations/${id}/publicity`),
  openOffers: (id) => post(`/allocations/${id}/open-offers`),
  choose: (id, householdId, unitId) => post(`/allocations/${id}/choose`, { household_id: householdId, unit_id: unitId }),
  pass: (id, householdId, outcome, reason) =>
    post(`/allocations/${id}/pass`, { household_id: householdId, outcome, reason: reason || undefined }),
  close: (id, reason) => post(`/allocations/${id}/close`, { reason }, { handle: fieldErrors }),
  cancel: (id, reason) => post(`/allocations/${id}/cancel`, { reason }, { handle: fieldErrors }),
  drawRecord: (id) => request('GET', `/allocations/${id}/draw.json`, { blob: true }),
  offers: (filters, cursor, limit = 50) => get('/offers', { ...filters, cursor, limit }),
  accept: (id) => post(`/offers/${id}/accept`),
  refuse: (id, reason) => post(`/offers/${id}/refuse`, { reason }, { handle: fieldErrors }),
  noShow: (id, reason) => post(`/offers/${id}/no-show`, { reason: reason || undefined }),
  withdraw: (id, reason) => post(`/offers/${id}/withdraw`, { reason }, { handle: fieldErrors }),
};

// Only the bureau decides (建保〔2018〕92号); the server refuses others anyway,
// the pages only leave the buttons out.
export const isBureau = () => session.me?.role === 'bureau';

export const METHODS = { lottery: '摇号', choice: '选房' };

export const BATCH_TAGS = {
  draft: 'info',
  published: 'primary',
  committed: 'primary',
  drawn: 'warning',
  publicity: 'warning',
  offering: 'success',
  closed: 'info',
  cancelled: 'info',
};

export const OFFER_TAGS = { offered: 'warning', accepted: 'success', refused: 'danger', no_show: 'danger', withdrawn: 'info' };

export const ENTRY_STATES = {
  waiting: '等待',
  offered: '已通知 / 选房中',
  accepted: '已接受',
  refused: '已拒绝',
  no_show: '未到场',
  withdrawn: '已撤回',
  skipped: '已跳过',
};

export const WARNINGS = { near: '临近最长轮候期', over: '超过最长轮候期' };

// Hundredths of a square metre as "45.20".
export const m2 = (h) => (h / 100).toFixed(2);
