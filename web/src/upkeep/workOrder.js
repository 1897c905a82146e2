// Work orders (维修养护), preventive plans and the maintenance ledger in the
// console: the API calls of their screens and the words for categories,
// urgencies, states and responsibilities.  Deadlines, overdue, who may
// confirm and the tenant's charge are the server's rules; the buttons only
// follow them (the server refuses an operator's confirmation with 403).
import { fileUrl, newIdempotencyKey, request } from '../api.js';

const get = (path, query, opts) => request('GET', path, { query, ...opts });
// Forms show an error that names a field beside them; others api.js shows.
const fieldErrors = (err) => Boolean(err.field) && err.status !== 401 && err.status !== 403;
const post = (path, body, key) =>
  request('POST', path, { body: body ?? {}, handle: fieldErrors, idempotencyKey: key ?? newIdempotencyKey() });

export const CATEGORIES = [
  { name: 'water', title: '给排水' },
  { name: 'electricity', title: '电气' },
  { name: 'lift', title: '电梯' },
  { name: 'roof', title: '屋面' },
  { name: 'door_lock', title: '门锁' },
  { name: 'other', title: '其他' },
];
export const URGENCIES = [
  { name: 'emergency', title: '紧急', tag: 'danger' },
  { name: 'urgent', title: '较急', tag: 'warning' },
  { name: 'normal', title: '一般', tag: 'info' },
];
export const STATES = [
  { name: 'reported', title: '已报修' },
  { name: 'assigned', title: '已派单' },
  { name: 'in_progress', title: '维修中' },
  { name: 'done', title: '已完工' },
  { name: 'confirmed', title: '已确认' },
];
export const RESPONSIBILITIES = [
  { name: 'operator', title: '承接主体' },
  { name: 'tenant', title: '住户承担' },
  { name: 'warranty', title: '保修/施工单位' },
  { name: 'owner', title: '产权单位' },
];
export const FREQS = [
  { name: 'weekly', title: '每周' },
  { name: 'monthly', title: '每月' },
  { name: 'quarterly', title: '每季度' },
];

const titleOf = (list) => (name) => list.find((x) => x.name === name)?.title || name || '—';
export const categoryTitle = titleOf(CATEGORIES);
export const urgencyTitle = titleOf(URGENCIES);
export const stateTitle = titleOf(STATES);
export const responsibilityTitle = titleOf(RESPONSIBILITIES);
export const freqTitle = titleOf(FREQS);
export const urgencyTag = (name) => URGENCIES.find((x) => x.name === name)?.tag || 'info';

// Where an order is, in words: the unit's number, the building, the asset.
export function placeText(o) {
  const p = o.place || {};
  const parts = [];
  if (o.unit_number) parts.push(o.unit_number);
  else if (o.building_name) parts.push(`${o.building_name}号楼${p.entrance ? `${p.entrance}单元` : ''}`);
  if (o.asset_type) parts.push(o.asset_type);
  if (p.place) parts.push(p.place);
  if (!parts.length) parts.push(p.location === 'community' ? '小区公共区域' : '—');
  return parts.join(' · ');
}

export const workOrders = {
  list: (filters, cursor, limit = 50) => get('/work-orders', { ...filters, cursor, limit }),
  counts: (communityId) => get('/work-order-counts', { community_id: communityId }),
  get: (id) => get(`/work-orders/${id}`),
  raise: (body, key) => post('/work-orders', body, key),
  assign: (id, body) => post(`/work-orders/${id}/assign`, body),
  start: (id, body) => post(`/work-orders/${id}/start`, body),
  done: (id, body) => post(`/work-orders/${id}/done`, body),
  confirm: (id, body) => post(`/work-orders/${id}/confirm`, body),
  reopen: (id, body) => post(`/work-orders/${id}/reopen`, body),
  photo: (id, file) =>
    request('POST', `/work-orders/${id}/photos`, { query: { filename: file.name }, raw: file }),
  revealContact: (id) => post(`/work-orders/${id}/reveal-contact`),
  photoUrl: (attachmentId) => fileUrl(`/attachments/${attachmentId}/content`),
  deadlines: () => get('/work-order-deadlines'),
};

export const preventivePlans = {
  list: (filters, cursor, limit = 50) => get('/preventive-plans', { ...filters, cursor, limit }),
  create: (body, key) => post('/preventive-plans', body, key),
  patch: (id, body) => request('PATCH', `/preventive-plans/${id}`, { body, handle: fieldErrors }),
};

export const maintenanceLedger = {
  get: (communityId, period) => get('/maintenance-ledger', { community_id: communityId, period }),
  xlsx: (communityId, period) =>
    request('GET', '/maintenance-ledger.xlsx', { query: { community_id: communityId, period }, blob: true }),
};
