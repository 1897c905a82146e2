// Policy and eligibility rules, department datasets, cross-checks and bans in
// the console: the API calls of 政策与资格标准 and 联审数据, of the
// EligibilityCard and CrosscheckCard that other screens embed, and of the
// household form's eligibility facts; and how they name things in Chinese.
import { request } from '../api.js';

const get = (path, query, opts = {}) => request('GET', path, { query, ...opts });
// Forms show an error that names a field beside it; others are shown by api.js.
const fieldErrors = (err) => Boolean(err.field) && err.status !== 401 && err.status !== 403;

export const rules = {
  policy: (on) => get('/tenancy-policy', { on }),
  list: (filters, cursor, limit = 100) => get('/tenancy-rules', { ...filters, cursor, limit }),
  current: (kind, category, on) => get('/tenancy-rules/current', { kind, category, on }, { handle: ['rule_not_found'] }),
  add: (body) => request('POST', '/tenancy-rules', { body, handle: fieldErrors }),
};

export const datasets = {
  list: (filters, cursor, limit = 50) => get('/datasets', { ...filters, cursor, limit }),
  get: (id) => get(`/datasets/${id}`),
  errors: (id, cursor, limit = 200) => get(`/datasets/${id}/errors`, { cursor, limit }),
  upload: (query, file) =>
    request('POST', '/datasets', {
      query,
      // The browser may call a .csv anything; the server reads the bytes.
      raw: file.type === 'text/csv' ? file : new Blob([file], { type: 'text/csv' }),
      handle: fieldErrors,
    }),
};

export const households = {
  eligibility: (id, on) => get(`/households/${id}/eligibility`, { on }),
  crosscheck: (id) => get(`/households/${id}/crosscheck`),
  bans: (id) => get(`/households/${id}/bans`),
};

// The special groups of the policy in force today, [{code, name, priority}],
// asked once per page load.
let groups = null;
export async function specialGroups() {
  if (!groups) groups = rules.policy().then((p) => p.special_groups).catch((e) => {
    groups = null;
    throw e;
  });
  return groups;
}

export const SOURCES = [
  { code: 'property', title: '不动产登记', dept: '自然资源和规划局', columns: '身份证号、面积（平方米，如 85.30）；地址可有，不保存' },
  { code: 'vehicle', title: '机动车登记', dept: '公安', columns: '身份证号、价值（元）；号牌可有，不保存' },
  { code: 'business', title: '市场主体登记', dept: '市场监管', columns: '身份证号、企业名称；注册资本（元）可选' },
  { code: 'insurance', title: '社会保险与工资', dept: '人社', columns: '身份证号、缴费月数、月工资（元）' },
  { code: 'assistance', title: '低保特困救助', dept: '民政', columns: '身份证号、救助类型（低保或特困）' },
];
export const sourceTitle = (code) => SOURCES.find((s) => s.code === code)?.title || code;

export const DATASET_STATES = {
  importing: { title: '导入中', type: 'warning' },
  active: { title: '使用中', type: 'success' },
  superseded: { title: '已被新版本取代', type: 'info' },
  failed: { title: '导入失败', type: 'danger' },
};

// The keys of a policy body: title, unit, bounds (the server checks them too).
export const POLICY_KEYS = [
  { key: 'publicity_days', title: '公示天数', unit: '天', min: 1, max: 90 },
  { key: 'max_wait_months', title: '最长轮候期', unit: '个月', min: 1, max: 600 },
  { key: 'wait_warning_months', title: '轮候到期提前提醒', unit: '个月', min: 0, max: 120 },
  { key: 'refusal_limit', title: '拒绝配租次数上限（达到后排到队尾）', unit: '次', min: 1, max: 20 },
  { key: 'choice_window_hours', title: '选房时限', unit: '小时', min: 1, max: 720 },
  { key: 'offer_response_days', title: '配租答复期限', unit: '天', min: 1, max: 90 },
  { key: 'lease_max_months', title: '合同最长期限（第十八条）', unit: '个月', min: 1, max: 120 },
  { key: 'filing_days', title: '合同备案期限（第十七条）', unit: '天', min: 1, max: 365 },
  { key: 'renewal_window_months', title: '续租申请提前期（第三十条）', unit: '个月', min: 1, max: 24 },
  { key: 'vacate_days', title: '腾退搬迁期', unit: '天', min: 1, max: 730 },
  { key: 'market_rent_fen_m2', title: '市场租金（每平方米每月）', unit: '元', money: true, min: 0, max: 10000000 },
  { key: 'ban_years', title: '违规后禁止申请年限（第三十六条）', unit: '年', min: 1, max: 20 },
];

// The keys of an eligibility body: kind money (fen, typed in yuan), area
// (hundredths of m², typed in m²), months, or a yes/no.
export const ELIGIBILITY_KEYS = [
  { key: 'income_per_person_max_fen', title: '人均月收入上限', kind: 'money', unit: '元' },
  { key: 'assets_max_fen', title: '家庭资产上限', kind: 'money', unit: '元' },
  { key: 'area_per_person_max_centi', title: '人均住房面积标准（低于此数）', kind: 'area', unit: '平方米' },
  { key: 'local_hukou_required', title: '须本地户籍', kind: 'bool' },
  { key: 'insurance_months_min', title: '本地社保最少缴纳月数', kind: 'months', unit: '个月' },
  { key: 'owns_housing_allowed', title: '允许有自有住房', kind: 'bool' },
  { key: 'vehicle_value_max_fen', title: '车辆价值上限', kind: 'money', unit: '元' },
  { key: 'business_allowed', title: '允许经营企业', kind: 'bool' },
  { key: 'ban_applies', title: '适用违规禁止申请期', kind: 'bool' },
];

// The rule names of an explanation and a cross-check.
export const RULE_TITLES = {
  household_active: '家庭状态',
  income_per_person: '人均收入',
  assets: '家庭资产',
  area_per_person: '人均住房面积',
  no_own_housing: '无自有住房',
  local_hukou: '本地户籍',
  insurance_months: '社保缴纳',
  vehicle_value: '车辆价值',
  no_business: '经营情况',
  business: '经营企业',
  ban: '禁止申请期',
  rules_defined: '资格标准',
  owns_housing: '自有住房',
  income_understated: '收入申报',
};
