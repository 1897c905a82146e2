// Rent collection's calls and words (issue 7, part C): payer bank accounts,
// withholding banks, batches and result files, payment channels.  Amounts
// are integer fen; the pages show them with yuanText (common/money.js).
import { request } from '../api.js';

const fieldErrors = (codes = []) => (err) =>
  (Boolean(err.field) && err.status !== 401 && err.status !== 403) || codes.includes(err.code);
const get = (path, query, opts) => request('GET', path, { query, ...opts });
const post = (path, body, opts) => request('POST', path, { body: body ?? {}, ...opts });
const patch = (path, body, opts) => request('PATCH', path, { body, ...opts });

export const collection = {
  payers: {
    list: (householdId) => get(`/households/${householdId}/payer-accounts`),
    add: (householdId, a) =>
      post(`/households/${householdId}/payer-accounts`, a, {
        handle: fieldErrors(['payer_account_exists', 'authorization_required']),
      }),
    update: (id, a) => patch(`/payer-accounts/${id}`, a, { handle: fieldErrors(['authorization_required']) }),
    reveal: (id, reason) => post(`/payer-accounts/${id}/reveal`, { reason }, { handle: fieldErrors(['rate_limited']) }),
  },
  banks: {
    list: () => get('/withholding/banks'),
    create: (b) => post('/withholding/banks', b, { handle: fieldErrors(['bank_exists']) }),
    update: (code, b) => patch(`/withholding/banks/${code}`, b, { handle: fieldErrors() }),
  },
  batches: {
    list: (query) => get('/withholding/batches', query),
    get: (id) => get(`/withholding/batches/${id}`),
    export: (bank_code, period) =>
      post('/withholding/batches', { bank_code, period }, { handle: fieldErrors(['nothing_to_withhold']) }),
    file: (id) => request('GET', `/withholding/batches/${id}/file`, { blob: true }),
    items: (id, query) => get(`/withholding/batches/${id}/items`, query),
    cancel: (id) => post(`/withholding/batches/${id}/cancel`),
    results: (id) => get(`/withholding/batches/${id}/results`),
    // The bank's result file as it is (its bytes; the layout names its encoding).
    import: (id, file) =>
      request('POST', `/withholding/batches/${id}/results`, {
        raw: file,
        handle: ['result_rows_invalid', 'file_encoding', 'file_empty', 'result_applying', 'batch_cancelled'],
      }),
  },
  channels: {
    list: () => get('/payment-channels'),
    create: (c) => post('/payment-channels', c, { handle: fieldErrors(['channel_exists']) }),
    update: (code, c) => patch(`/payment-channels/${code}`, c),
    rotate: (code) => post(`/payment-channels/${code}/secret`),
    attempts: (query) => get('/payment-callbacks', query),
  },
};

export const BATCH_STATES = { open: '待回盘', done: '已完成', cancelled: '已作废' };
export const ITEM_STATES = { pending: '待扣款', succeeded: '扣款成功', failed: '扣款失败' };
export const RESULT_STATES = { applying: '入账中', applied: '已入账', failed: '入账失败', rejected: '已拒绝' };

// The fields a layout's columns name, with their zh-CN titles.
export const FIELDS = {
  account_number: '账号',
  holder_name: '户名',
  amount_yuan: '金额（元）',
  amount_fen: '金额（分）',
  reference: '业务编号',
  household_id: '家庭编号',
  period: '期间',
  seq: '序号',
  constant: '固定值',
  status: '处理结果',
  reason: '失败原因',
  bank_ref: '银行流水号',
  ignore: '忽略此列',
  amount: '金额',
};
export const EXPORT_FIELDS = ['account_number', 'holder_name', 'amount_yuan', 'amount_fen', 'reference', 'household_id', 'period', 'seq', 'constant'];
export const RESULT_FIELDS = ['reference', 'account_number', 'holder_name', 'amount_yuan', 'amount_fen', 'status', 'reason', 'bank_ref', 'household_id', 'period', 'seq', 'ignore'];
