// Patrols (巡查) in the console and on the inspector's phone: the API calls
// of the patrol screens and the words for severities, frequencies, states
// and outcomes.  The rules (who may check in, which label is current, what
// a finding opens) live on the server.
import { fileUrl, newIdempotencyKey, request } from '../api.js';

const get = (path, query, opts) => request('GET', path, { query, ...opts });
// Forms show an error that names a field beside them; others api.js shows.
const fieldErrors = (codes = []) => (err) =>
  (Boolean(err.field) && err.status !== 401 && err.status !== 403) || codes.includes(err.code);
const send = (method, path, body, codes) =>
  request(method, path, { body: body ?? {}, handle: fieldErrors(codes), idempotencyKey: method === 'POST' ? newIdempotencyKey() : undefined });

export const SEVERITIES = { low: '一般', medium: '较重', high: '严重' };
export const SEVERITY_TAGS = { low: 'info', medium: 'warning', high: 'danger' };
export const ACTIONS = { none: '仅记录', work_order: '生成维修工单', violation: '生成疑似违规案件' };
export const FREQUENCIES = { daily: '每天', weekly: '每周', monthly: '每月', quarterly: '每季' };
export const WEEKDAYS = ['', '星期一', '星期二', '星期三', '星期四', '星期五', '星期六', '星期日'];
export const ROUND_STATES = { assigned: '待巡查', in_progress: '巡查中', done: '已完成', missed: '漏巡' };
export const ROUND_TAGS = { assigned: 'info', in_progress: 'warning', done: 'success', missed: 'danger' };
export const LOCATIONS = { unit: '房屋', building: '楼栋', entrance: '单元', community: '小区公共区域', asset: '设施设备' };
export const WO_CATEGORIES = { water: '给排水', electricity: '电', lift: '电梯', roof: '屋面', door_lock: '门锁门禁', other: '其他' };
export const VIOLATION_TYPES = {
  sublet: '转租、出借、调换', change_of_use: '改变用途', damage: '破坏或擅自装修', illegal_activity: '违法活动', idle: '闲置', other: '其他',
};

export function frequencyText(p) {
  if (p.frequency === 'weekly') return `每周 ${WEEKDAYS[p.weekday] || ''}`;
  if (p.frequency === 'monthly') return `每月 ${p.month_day} 日`;
  if (p.frequency === 'quarterly') return `每季第 ${p.quarter_month} 个月 ${p.month_day} 日`;
  return FREQUENCIES[p.frequency] || p.frequency;
}

export function placeText(p) {
  if (!p) return '';
  const what = LOCATIONS[p.location] || p.location;
  return p.place ? `${what} · ${p.place}` : what;
}

// Today in Asia/Shanghai, as the server counts rounds.
export function today() {
  return new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);
}

export const patrol = {
  items: (all) => get('/patrol-items', { all: all ? 'true' : undefined }),
  createItem: (item) => send('POST', '/patrol-items', item, ['patrol_item_exists']),
  updateItem: (id, item) => send('PUT', `/patrol-items/${id}`, item, ['patrol_item_exists', 'patrol_item_retired']),
  retireItem: (id) => request('POST', `/patrol-items/${id}/retire`),
  severityActions: () => get('/patrol-severity-actions'),
  setSeverityAction: (severity, action) => request('PUT', `/patrol-severity-actions/${severity}`, { body: { action } }),

  points: (communityId, all) => get(`/communities/${communityId}/patrol-points`, { all: all ? 'true' : undefined }),
  point: (id) => get(`/patrol-points/${id}`),
  createPoint: (point) => send('POST', '/patrol-points', point, ['patrol_item_retired']),
  updatePoint: (id, point) => send('PUT', `/patrol-points/${id}`, point, ['patrol_item_retired']),
  labels: (communityId, pointId) =>
    request('GET', `/communities/${communityId}/patrol-labels.pdf`, { query: { point_id: pointId }, blob: true }),

  plans: (communityId) => get(`/communities/${communityId}/patrol-plans`),
  inspectors: (communityId) => get(`/communities/${communityId}/patrol-inspectors`),
  createPlan: (plan) => send('POST', '/patrol-plans', plan, ['not_an_inspector', 'patrol_point_inactive']),
  updatePlan: (id, plan) => send('PUT', `/patrol-plans/${id}`, plan, ['not_an_inspector', 'patrol_point_inactive']),

  generate: (dueOn) => request('POST', '/patrol-rounds/generate', { body: dueOn ? { due_on: dueOn } : {} }),
  rounds: (filters, cursor, limit = 50) => get('/patrol-rounds', { ...filters, cursor, limit }),
  round: (id, opts) => get(`/patrol-rounds/${id}`, undefined, opts),
  findings: (filters, cursor, limit = 50) => get('/patrol-findings', { ...filters, cursor, limit }),

  // The phone's writes: every error is the caller's to show (handle '*').
  visit: (roundId, body, key) =>
    request('POST', `/patrol-rounds/${roundId}/visits`, { body, handle: '*', idempotencyKey: key }),
  result: (roundId, pointId, itemId, body, key) =>
    request('PUT', `/patrol-rounds/${roundId}/points/${pointId}/items/${itemId}`, { body, handle: '*', idempotencyKey: key }),
  photo: (resultId, file, key) =>
    request('POST', `/patrol-results/${resultId}/photos`, {
      query: { filename: file.name || 'photo.jpg' }, raw: file, handle: '*', idempotencyKey: key,
    }),
  photoUrl: (attachmentId) => fileUrl(`/attachments/${attachmentId}/content`),
  photos: (resultId) => get('/attachments', { owner_type: 'patrol_result', owner_id: resultId }),
};
