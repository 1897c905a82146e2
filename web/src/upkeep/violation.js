// Violation cases (违规) and renovation requests (装修申请) in the console:
// the API calls of their screens and the words for types, sources, states
// and actions.  The rules live on the server: only the bureau decides (the
// decision buttons show for the bureau; the server refuses anyone else with
// bureau_only), and evidence is append-only (no screen offers to change or
// remove it, and the server has no route that would).
import { fileUrl, newIdempotencyKey, request } from '../api.js';

const get = (path, query) => request('GET', path, { query });
// Forms show an error that names a field beside them; others api.js shows.
const fieldErrors = (err) => Boolean(err.field) && err.status !== 401 && err.status !== 403;
const post = (path, body) =>
  request('POST', path, { body: body ?? {}, handle: fieldErrors, idempotencyKey: newIdempotencyKey() });

export const TYPES = {
  sublet: '转借、转租或擅自调换',
  change_of_use: '改变用途',
  damage: '破坏或擅自装修',
  illegal_activity: '从事违法活动',
  idle: '闲置 6 个月以上',
  other: '其他',
};
export const SOURCES = { patrol: '巡查发现', public: '群众举报', staff: '工作人员发现', door: '门禁数据' };
export const STATES = {
  suspected: '疑似',
  investigating: '调查中',
  confirmed: '已认定',
  dismissed: '不予认定',
  rectification_ordered: '责令整改',
  rectified: '已整改',
  referred: '已移送清退',
};
export const STATE_TAGS = {
  suspected: 'warning',
  investigating: 'primary',
  confirmed: 'danger',
  dismissed: 'info',
  rectification_ordered: 'warning',
  rectified: 'success',
  referred: 'danger',
};
export const ACTIONS = {
  report: '登记',
  investigate: '开始调查',
  propose: '提出建议',
  confirm: '认定违规',
  dismiss: '不予认定',
  order_rectification: '责令整改',
  rectify: '已整改',
  refer: '移送清退',
};
export const PROPOSALS = { confirm: '建议认定', dismiss: '建议不予认定', refer: '建议移送清退' };
export const EVIDENCE_KINDS = { photo: '照片', document: '文件', statement: '陈述' };
export const PLACES = { unit: '房屋', building: '楼栋', entrance: '单元', community: '小区公共区域' };
export const RENO_STATES = {
  requested: '待审核',
  checked: '已审核',
  approved: '已批准',
  refused: '不予批准',
  done: '已完工',
};

export const violations = {
  list: (filters, cursor, limit = 50) => get('/violations', { ...filters, cursor, limit }),
  counts: (communityId) => get('/violations/counts', communityId ? { community_id: communityId } : {}),
  get: (id) => get(`/violations/${id}`),
  report: (body) => post('/violations', body),
  act: (id, body) => post(`/violations/${id}/actions`, body),
  preview: (id) => get(`/violations/${id}/preview`),
  upload: (id, kind, file, takenAt) =>
    request('POST', `/violations/${id}/evidence`, {
      query: { kind, filename: file.name, ...(takenAt ? { taken_at: takenAt } : {}) },
      raw: file,
      idempotencyKey: newIdempotencyKey(),
    }),
  statement: (id, statement) => post(`/violations/${id}/statements`, { statement }),
  packageUrl: (id) => fileUrl(`/violations/${id}/package.zip`),
  contentUrl: (attachmentId) => fileUrl(`/attachments/${attachmentId}/content`),
};

export const renovations = {
  list: (filters, cursor, limit = 50) => get('/renovations', { ...filters, cursor, limit }),
  get: (id) => get(`/renovations/${id}`),
  create: (body) => post('/renovations', body),
  act: (id, body) => post(`/renovations/${id}/actions`, body),
};
