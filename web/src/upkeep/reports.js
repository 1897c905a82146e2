// The bureau's reports on the housing's use (issue 8 §4): vacant units,
// vacated units, unit changes, household changes and the monthly use report,
// each as JSON (pages, but for the monthly one) and as an xlsx the server
// makes.  Every figure and every mask comes from the
// server (upkeep/report.h); the console only shows them.
import { request } from '../api.js';

// The reports the page offers: the tab, and whether it takes a period or a
// month.
export const UPKEEP_REPORTS = [
  { key: 'vacant-units', title: '空置房', period: false },
  { key: 'vacated-units', title: '腾退房源', period: true },
  { key: 'unit-changes', title: '房屋异动', period: true },
  { key: 'household-changes', title: '住户变动', period: true },
  { key: 'monthly-use', title: '月度使用情况', period: false, month: true },
];

export const upkeepReports = {
  get: (key, query) => request('GET', `/reports/${key}`, { query }),
  xlsx: (key, query) => request('GET', `/reports/${key}.xlsx`, { query, blob: true }),
};

export const CHANGE_KINDS = {
  status: '状态变更',
  repair: '报修停租',
  repair_done: '维修完成',
  disable: '停用',
  enable: '启用',
  acceptance: '分户核验',
  update: '信息变更',
  member_in: '成员迁入',
  member_out: '成员迁出',
  head_change: '变更户主',
  contact_change: '联系方式变更',
};

// The monthly use report's work-order states (the words of the work-order
// board).
export const WORK_ORDER_STATES = {
  reported: '待派单',
  assigned: '已派单',
  in_progress: '维修中',
  done: '已完工',
  confirmed: '已确认',
};

// The monthly use report's rows: each community, then the total.
export const useRows = (r) => (r ? [...r.items, { ...r.total, community_id: null, community_name: '合计' }] : []);

// Counts of a {word: n} map, as "词 n" for the words with any, in the
// map's order.
export function countsText(map, words) {
  const parts = Object.entries(map || {})
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${words[k] || k} ${n}`);
  return parts.length ? parts.join('，') : '—';
}

export const CAUSES = { move_out: '退房', eviction: '清退' };

// Today and the first of this month in Asia/Shanghai: "YYYY-MM-DD".
export function shanghaiToday() {
  return new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);
}
export const monthStart = () => `${shanghaiToday().slice(0, 8)}01`;
export const thisMonth = () => shanghaiToday().slice(0, 7);

// "2026-11-29T03:20:38.225014Z" -> "2026-11-29 11:20" (Asia/Shanghai).
export function atText(at) {
  if (!at) return '';
  const d = new Date(Date.parse(at) + 8 * 3600e3);
  return d.toISOString().slice(0, 16).replace('T', ' ');
}

// Hundredths of a square metre -> "50.12".
export const areaText = (centi) => (centi === null || centi === undefined ? '—' : (centi / 100).toFixed(2));
