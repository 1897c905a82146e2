// The money screens' calls and words: charges, payments, refunds, a
// household's account and ledger lines, receipt books and receipts (issue 5).
// Amounts are integer fen; the console shows them as ¥1,234.50 and reads
// what a clerk types in yuan exactly (common/money.js), never through
// floating point.
import { fileUrl, request } from '../api.js';
import { yuanText } from '../common/money.js';

// ---- the calls ----

// Field errors go to the form that shows them (see common/formErrors.js);
// handled codes likewise.
const fieldErrors = (codes = []) => (err) =>
  (Boolean(err.field) && err.status !== 401 && err.status !== 403) || codes.includes(err.code);
const get = (path, query, opts) => request('GET', path, { query, ...opts });
const post = (path, body, opts) => request('POST', path, { body: body ?? {}, ...opts });

export const money = {
  account: (householdId) => get(`/households/${householdId}/account`),
  // Journals touching the household's accounts, newest first.
  ledger: (householdId, cursor, limit = 20) => get(`/households/${householdId}/ledger`, { cursor, limit }),
  charges: {
    get: (id, opts) => get(`/charges/${id}`, undefined, opts),
    create: (charge, key) => post('/charges', charge, { handle: fieldErrors(), idempotencyKey: key }),
    cancel: (id, reason) => post(`/charges/${id}/cancel`, { reason }, { handle: fieldErrors() }),
  },
  payments: {
    get: (id, opts) => get(`/payments/${id}`, undefined, opts),
    // Exactly once: the form sends the same key with every try of the same
    // payment, so a double click or a lost answer never takes money twice.
    take: (payment, key) =>
      post('/payments', payment, {
        handle: fieldErrors(['no_receipt_book', 'channel_ref_taken', 'period_closed']),
        idempotencyKey: key,
      }),
    reverse: (id, reason) => post(`/payments/${id}/reverse`, { reason }, { handle: fieldErrors() }),
  },
  refunds: {
    ask: (refund) => post('/refunds', refund, { handle: fieldErrors(['refund_exceeds_credit']) }),
  },
  receipts: {
    get: (id) => get(`/receipts/${id}`),
    // The PDF, fetched by the browser itself (a new tab) with the session
    // cookie; a GET needs no CSRF token.
    pdfUrl: (id) => fileUrl(`/receipts/${id}/pdf`),
  },
  books: {
    list: (state, cursor, limit = 100) => get('/receipt-books', { state, cursor, limit }),
    receive: (book, key) => post('/receipt-books', book, { handle: fieldErrors(), idempotencyKey: key }),
    // The active accounts a book may be handed to (operator staff and
    // finance), by name: finance picks the clerk from these.
    clerks: () => get('/receipt-books/clerks'),
    hand: (id, accountId) => post(`/receipt-books/${id}/hand`, { account_id: accountId }, { handle: fieldErrors() }),
    close: (id) => post(`/receipt-books/${id}/close`),
    writeOff: (id) => post(`/receipt-books/${id}/write-off`),
    sheet: (id) => get(`/receipt-books/${id}/write-off`),
    sheetXlsx: (id) => request('GET', `/receipt-books/${id}/write-off.xlsx`, { blob: true }),
  },
};

// ---- amounts ----

// The largest single amount the server takes: 100 million yuan.
export const AMOUNT_MAX_FEN = 10000000000;

// 123450 -> "¥1,234.50"; a negative amount "-¥1,234.50".
export function yuan(fen) {
  if (fen === null || fen === undefined) return '—';
  const t = yuanText(fen);
  return t.startsWith('-') ? `-¥${t.slice(1)}` : `¥${t}`;
}

// ---- words ----

export const CHARGE_KINDS = {
  rent: '租金',
  deposit: '履约保证金',
  overstay_rent: '逾期占用费',
  back_charge: '追缴租金',
  penalty: '违约罚款',
  repair: '维修费',
  other: '其他费用',
};
export const chargeKindTitle = (k) => CHARGE_KINDS[k] || k || '—';

export const CHARGE_STATES = {
  open: { text: '未结清', type: 'warning' },
  paid: { text: '已结清', type: 'success' },
  cancelled: { text: '已撤销', type: 'info' },
  released: { text: '已转回预收款', type: 'info' },
};

// Channels: the counter's (a paper receipt from the clerk's book) first.
export const CHANNELS = {
  cash: '现金',
  pos: 'POS刷卡',
  bank_transfer: '银行转账',
  withholding: '代扣',
  online: '线上支付',
};
export const channelTitle = (c) => CHANNELS[c] || c || '—';
export const atCounter = (c) => c === 'cash' || c === 'pos';
// What the reference of a channel is called where it is asked for.
export const REF_LABELS = {
  pos: 'POS 凭条号',
  bank_transfer: '银行流水号',
  withholding: '代扣批次号',
  online: '支付交易号',
};

export const REFUND_CHANNELS = { cash: '现金', bank_transfer: '银行转账' };

export const PAYMENT_STATES = {
  posted: { text: '已入账', type: 'success' },
  reversed: { text: '已冲正', type: 'info' },
};

export const RECEIPT_STATES = {
  issued: { text: '有效', type: 'success' },
  voided: { text: '已作废', type: 'danger' },
};

export const BOOK_STATES = {
  stock: { text: '未领用', type: 'info' },
  open: { text: '使用中', type: 'success' },
  used_up: { text: '已用完', type: 'warning' },
  written_off: { text: '已核销', type: '' },
};

// A journal's event as the account page names it.
export const EVENTS = {
  charge: '登记费用',
  'charge.cancel': '撤销费用',
  payment: '收款',
  'payment.reverse': '冲正收款',
  refund: '退款',
  allocation: '预收款冲抵',
};
export const eventTitle = (e) => EVENTS[e] || e || '—';

// "account:3" / "apikey:1" as a person reads it; the signed-in account is 我.
export function actorText(ref, me) {
  if (!ref) return '—';
  if (me && ref === `account:${me.id}`) return `我（${me.display_name || me.username}）`;
  const [kind, id] = String(ref).split(':');
  if (kind === 'account') return `账号 #${id}`;
  if (kind === 'apikey') return `API 密钥 #${id}`;
  if (kind === 'system') return '系统';
  return ref;
}

// A charge in one line: "租金 2026-11".
export const chargeText = (c) => [c.kind_title || chargeKindTitle(c.kind), c.period].filter(Boolean).join(' ');

// ---- the allocation preview ----

// What a payment of amount fen will settle, as the server allocates it:
// the household's money oldest payment first (its credit before this
// payment), to its open charges oldest due first (then by id).  Returns
// {lines: [{charge, fromCredit, fromPayment, leftOwed}], credit}, credit
// being what remains as the household's credit afterwards.
export function previewAllocation(charges, creditFen, amountFen) {
  const open = charges
    .filter((c) => c.state === 'open' && c.owed_fen > 0)
    .slice()
    .sort((a, b) => (a.due_on < b.due_on ? -1 : a.due_on > b.due_on ? 1 : a.id - b.id));
  let credit = Math.max(0, creditFen || 0);
  let pay = Math.max(0, amountFen || 0);
  const lines = [];
  for (const c of open) {
    if (credit === 0 && pay === 0) break;
    let owed = c.owed_fen;
    const fromCredit = Math.min(credit, owed);
    credit -= fromCredit;
    owed -= fromCredit;
    const fromPayment = Math.min(pay, owed);
    pay -= fromPayment;
    owed -= fromPayment;
    lines.push({ charge: c, fromCredit, fromPayment, leftOwed: owed });
  }
  return { lines, credit: credit + pay };
}

// ---- the clerk's receipt books ----

// The open paper books handed to account id (the signed-in clerk), oldest
// first as the server uses them; [] when the role may not list books.
// Finance sees every book: the list is read a page at a time (20 pages of
// 200 at most) and kept to the clerk's own.
export async function openBooksOf(accountId) {
  const out = [];
  let cursor;
  for (let i = 0; i < 20; i++) {
    const res = await money.books.list('open', cursor, 200);
    out.push(...res.items.filter((b) => b.kind === 'paper' && b.clerk_account_id === accountId));
    cursor = res.next;
    if (!cursor) break;
  }
  return out;
}

// A clerk as the 发放 picker shows (and filters) them: "陈晓燕（chenxy ·
// 运营人员）", so that typing either the name or the username finds them.
export function clerkLabel(a) {
  const who = a.display_name && a.display_name !== a.username ? `${a.username} · ` : '';
  return `${a.display_name || a.username}（${who}${a.role_title || a.role}）`;
}

// A book's next number as printed ("A2026-00000012"), from its first one's
// text and the number itself.
export function numberText(book, n) {
  return `${book.series}-${String(n).padStart(8, '0')}`;
}
