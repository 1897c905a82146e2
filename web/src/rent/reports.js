// The rent reports' calls and words (issue 7 §6): the rent ledger, the
// collection report, arrears with their ageing, the bureau's monthly
// report, the bank's report, each as JSON and as an xlsx the server makes;
// and the finance dashboard's figures.  Rates come as basis points
// (10000 = 100%) and amounts as integer fen: the console only formats them.
import { request } from '../api.js';
import { yuanText } from '../common/money.js';

const get = (path, query) => request('GET', path, { query });
const xlsx = (path, query) => request('GET', path, { query, blob: true });

// The reports the page offers, with the query each takes.
export const REPORTS = [
  { key: 'rent-ledger', title: '租金台账', query: ['community_id', 'period', 'as_of'], paged: true },
  { key: 'collection', title: '收缴情况', query: ['community_id', 'from', 'to', 'as_of'] },
  { key: 'arrears', title: '欠缴与账龄', query: ['community_id', 'as_of', 'min_months'], paged: true },
  { key: 'bureau-monthly', title: '住建部门月报', query: ['community_id', 'period', 'as_of'] },
  { key: 'bank', title: '银行报表', query: ['community_id', 'period'] },
];

export const reports = {
  get: (key, query) => get(`/reports/${key}`, query),
  xlsx: (key, query) => xlsx(`/reports/${key}.xlsx`, query),
  dashboard: (query) => get('/reports/dashboard', query),
};

export const BUCKETS = ['30天以内', '31至90天', '91至180天', '180天以上'];

export const CHARGE_KINDS = { rent: '租金', overstay_rent: '逾期占用费' };
export const CHARGE_STATES = {
  open: { text: '未缴清', type: 'warning' },
  paid: { text: '已缴清', type: 'success' },
};

export const yuan = (fen) => (fen === null || fen === undefined ? '—' : `¥${yuanText(fen)}`);

// 6250 -> "62.50%"; null (nothing due) -> "—".
export function rateText(bp) {
  if (bp === null || bp === undefined) return '—';
  return `${Math.floor(bp / 100)}.${String(bp % 100).padStart(2, '0')}%`;
}

// The month of today in Asia/Shanghai, and n months before it: "YYYY-MM".
export function monthOf(n = 0) {
  const d = new Date(Date.now() + 8 * 3600e3);
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() - n);
  return d.toISOString().slice(0, 7);
}
