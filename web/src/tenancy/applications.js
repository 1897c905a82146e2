// Applications (申报) in the console: the API calls of the applications,
// publicity and objection screens, and how they name the stages and actions.
import { request } from '../api.js';

const get = (path, query) => request('GET', path, { query });
// Forms show an error that names a field beside it; others are shown by api.js.
const fieldErrors = (err) => Boolean(err.field) && err.status !== 401 && err.status !== 403;
const post = (path, body, opts = {}) => request('POST', path, { body: body ?? {}, ...opts });

export const applications = {
  list: (filters, cursor, limit = 50) => get('/applications', { ...filters, cursor, limit }),
  counts: (communityId) => get('/applications/counts', { community_id: communityId || undefined }),
  get: (id) => get(`/applications/${id}`),
  history: (id) => request('GET', `/applications/${id}/history`, { handle: '*' }),
  eligibility: (id) => get(`/applications/${id}/eligibility`),
  create: (body, idempotencyKey) => post('/applications', body, { handle: fieldErrors, idempotencyKey }),
  submit: (id) => post(`/applications/${id}/submit`),
  firstReview: (id, pass, reason) => post(`/applications/${id}/first-review`, { pass, reason }, { handle: fieldErrors }),
  decide: (id, grant, reason) => post(`/applications/${id}/decide`, { grant, reason }, { handle: fieldErrors }),
  withdraw: (id, reason) => post(`/applications/${id}/withdraw`, { reason }, { handle: fieldErrors }),
  closePublicity: (id) => post(`/applications/${id}/close-publicity`),
  object: (id, body) => post(`/applications/${id}/objections`, body, { handle: fieldErrors }),
  resolve: (objectionId, upheld, resolution) =>
    post(`/objections/${objectionId}/resolve`, { upheld, resolution }, { handle: fieldErrors }),
  publicity: (cursor, limit = 50) => get('/publicity', { cursor, limit }),
};

// The stages of the inbox, in the order an application passes them.
export const STAGES = [
  { state: 'draft', title: '草稿' },
  { state: 'submitted', title: '待初审' },
  { state: 'returned', title: '退回补正' },
  { state: 'first_reviewed', title: '待复审' },
  { state: 'deciding', title: '复审审批中' },
  { state: 'publicity', title: '公示中' },
  { state: 'approved', title: '轮候中' },
  { state: 'rejected', title: '未通过' },
  { state: 'withdrawn', title: '已撤回' },
];

export const STATE_TAGS = {
  draft: 'info',
  submitted: 'warning',
  returned: 'danger',
  first_reviewed: 'warning',
  deciding: 'warning',
  publicity: 'primary',
  approved: 'success',
  allocated: 'success',
  housed: 'success',
  rejected: 'danger',
  withdrawn: 'info',
};

export const OBJECTION_STATES = { open: '待处理', upheld: '异议成立', dismissed: '异议不成立' };

// The audit actions of an application, in words.
export const ACTIONS = {
  'application.create': '受理（草稿）',
  'application.submit': '提交',
  'application.first_review': '初审通过',
  'application.return': '退回补正',
  'application.propose': '提出复审意见',
  'application.grant': '核准，进入公示',
  'application.refuse': '不予核准',
  'application.decision_withdrawn': '复审意见被驳回或撤回',
  'application.withdraw': '撤回申请',
  'application.objection': '登记公示异议',
  'application.objection_resolve': '处理公示异议',
  'application.reject': '因异议成立不予核准',
  'application.approve': '公示期满，核准轮候',
};
export const actionTitle = (a) => ACTIONS[a] || a;
