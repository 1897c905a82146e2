// Reconciliation's calls and words (issue 7 §5, part D): bank statement
// layouts and our accounts, statement imports, lines and their matches, the
// rules and tolerance, the daily balance comparison; owner statements,
// remittances and payments out.  Amounts are integer fen.
import { request } from '../api.js';

const fieldErrors = (codes = []) => (err) =>
  (Boolean(err.field) && err.status !== 401 && err.status !== 403) || codes.includes(err.code);
const get = (path, query, opts) => request('GET', path, { query, ...opts });
const post = (path, body, opts) => request('POST', path, { body: body ?? {}, ...opts });
const put = (path, body, opts) => request('PUT', path, { body, ...opts });

export const reconcile = {
  formats: {
    list: () => get('/bank-formats'),
    save: (f) =>
      f.id
        ? put(`/bank-formats/${f.id}`, strip(f), { handle: fieldErrors(['bank_code_taken', 'amount_columns', 'column_used_twice']) })
        : post('/bank-formats', strip(f), { handle: fieldErrors(['bank_code_taken', 'amount_columns', 'column_used_twice']) }),
  },
  accounts: {
    list: () => get('/bank-accounts'),
    save: (a) =>
      a.id
        ? put(`/bank-accounts/${a.id}`, strip(a), { handle: fieldErrors(['account_no_taken']) })
        : post('/bank-accounts', strip(a), { handle: fieldErrors(['account_no_taken']) }),
  },
  statements: {
    list: (query) => get('/bank-statements', query),
    get: (id) => get(`/bank-statements/${id}`),
    errors: (id, query) => get(`/bank-statements/${id}/errors`, query),
    // The file as it is: its bytes go up untouched (UTF-8 or GB18030).
    import: (accountId, file, encoding) =>
      request('POST', `/bank-accounts/${accountId}/statements`, {
        raw: new Blob([file], { type: 'text/csv' }),
        query: { file_name: file.name, encoding: encoding === 'format' ? undefined : encoding },
        handle: ['empty_file', 'file_too_large', 'xlsx_not_csv', 'unsupported_media_type', 'bank_account_inactive'],
      }),
  },
  lines: {
    list: (query) => get('/bank-lines', query),
    get: (id) => get(`/bank-lines/${id}`),
    confirm: (id, householdId) =>
      post(`/bank-lines/${id}/confirm`, { household_id: householdId }, { handle: ['bank_line_state', 'household_not_found'] }),
    undo: (id, reason) => post(`/bank-lines/${id}/undo`, { reason }, { handle: fieldErrors(['bank_line_state', 'payment_refunded']) }),
    rematch: () => post('/bank-lines/rematch'),
    job: (id) => get(`/bank-jobs/${id}`),
  },
  rules: {
    list: () => get('/match-rules'),
    save: (r) => (r.id ? put(`/match-rules/${r.id}`, strip(r)) : post('/match-rules', strip(r))),
  },
  policy: {
    get: () => get('/match-policy'),
    set: (p) => put('/match-policy', { tolerance_fen: p.tolerance_fen, window_days: p.window_days }, { handle: fieldErrors() }),
  },
  balances: {
    list: (query) => get('/bank-balances', query),
    compute: (day) => post('/bank-balances', { day }, { handle: fieldErrors(['date_in_future']) }),
  },
  owners: {
    list: () => get('/owners', { limit: 200 }),
    statement: (id, period) => get(`/owners/${id}/statements/${period}`),
    xlsx: (id, period) => request('GET', `/owners/${id}/statements/${period}/xlsx`, { blob: true }),
  },
  remittances: {
    list: (query) => get('/remittances', query),
    create: (r) => post('/remittances', r, { handle: fieldErrors(['remittance_exceeds_cash', 'bank_line_state', 'bank_line_amount']) }),
  },
  disbursements: {
    list: (query) => get('/disbursements', query),
    create: (d) => post('/disbursements', d, { handle: fieldErrors(['special_account_insufficient']) }),
  },
};

// The body of a save without what the server keeps itself.
function strip(o) {
  const out = {};
  for (const [k, v] of Object.entries(o)) {
    if (['id', 'created_at', 'updated_at', 'bank_code_name', 'bank_name_of'].includes(k)) continue;
    if (v === null || v === '' || v === undefined) continue;
    out[k] = v;
  }
  return out;
}

export const lineStates = {
  unmatched: { text: '待查明', type: 'warning' },
  suggested: { text: '有建议', type: 'primary' },
  matched: { text: '已匹配', type: 'success' },
  ignored: { text: '支出', type: 'info' },
};

export const tierTitles = {
  exact: '完全匹配（待人工确认）',
  rule: '规则',
  tolerance: '金额与日期相近',
  person: '人工判断',
  exact_payer_account: '自动：已知付款账户',
  exact_reference: '自动：支付流水号',
  exact_unit: '自动：小区和房号',
  confirmed: '人工确认',
  remittance: '现金缴存',
};

export const ruleKinds = {
  payer_account: '已知付款账户',
  unit: '附言中的房号',
  head_name: '付款人为承租人',
  member_name: '付款人为家庭成员',
};

export const statementStates = {
  importing: { text: '导入中', type: 'warning' },
  done: { text: '已导入', type: 'success' },
  failed: { text: '未导入', type: 'danger' },
};

export const columns = [
  ['col_serial', '流水号'],
  ['col_date', '交易日期'],
  ['col_amount', '金额（收入为正）'],
  ['col_credit', '贷方（收入）'],
  ['col_debit', '借方（支出）'],
  ['col_counterparty_account', '对方账号'],
  ['col_counterparty_name', '对方户名'],
  ['col_remark', '摘要/附言'],
  ['col_balance', '余额'],
];

// Today in Asia/Shanghai, YYYY-MM-DD, and this month.
export const today = () => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
export const thisMonth = () => today().slice(0, 7);
