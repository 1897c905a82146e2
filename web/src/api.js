// Every call the console makes to the anju API goes through this module: JSON
// in and out, the CSRF token on every mutation, the error envelope
// {"error": {code, message, field}} turned into an ApiError whose Chinese
// message is shown to the user, and a lost session handed to the router
// (see session.js), which sends the user to the login page and back.
import { ElMessage } from 'element-plus';

const BASE = '/api/v1';
const CSRF_KEY = 'anju.csrf';

export class ApiError extends Error {
  constructor(status, { code, message, field } = {}) {
    super(message || `服务器返回错误（${status}）`);
    this.status = status;
    this.code = code || `http_${status}`;
    this.field = field || null;
  }
}

// The token comes only with a successful sign-in.  sessionStorage keeps it
// across reloads of the same tab, and never outlives the tab.
export const csrf = {
  get: () => sessionStorage.getItem(CSRF_KEY),
  set: (t) => sessionStorage.setItem(CSRF_KEY, t),
  clear: () => sessionStorage.removeItem(CSRF_KEY),
};

// Set by session.js: what to do when the server no longer knows the session
// (401), when a password change is due, or when the CSRF token was lost.
const handlers = {
  unauthorized: () => {},
  passwordRequired: () => {},
  csrfLost: () => {},
};
export function setSessionHandlers(h) {
  Object.assign(handlers, h);
}

function url(path, query) {
  const u = new URL(BASE + path, window.location.origin);
  for (const [k, v] of Object.entries(query || {})) {
    if (v !== undefined && v !== null && v !== '') u.searchParams.set(k, String(v));
  }
  return u.pathname + u.search;
}

// The file name a Content-Disposition header gives (RFC 6266: filename*
// with UTF-8 first), or null.
function dispositionName(header) {
  if (!header) return null;
  const star = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(header);
  if (star) {
    try {
      return decodeURIComponent(star[1].trim());
    } catch {
      /* fall through to the plain name */
    }
  }
  const plain = /filename\s*=\s*"?([^";]+)"?/i.exec(header);
  return plain ? plain[1].trim() : null;
}

// A new Idempotency-Key: 128 random bits in hex.  A form makes one when it
// opens and sends it with every try of the same creation, so that a request
// whose answer was lost and is sent again creates nothing twice (the server
// answers the first result again).  crypto.getRandomValues, unlike
// randomUUID, works on a plain-http address too.
export function newIdempotencyKey() {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

// request(method, path, {body, raw, query, handle, blob, idempotencyKey}):
// the parsed JSON of a 2xx answer, or throws ApiError.  raw sends a File or
// Blob as the body with its own type (uploads); blob returns {blob,
// filename, type} of a download instead of JSON (a JSON answer still comes
// back as {json}); idempotencyKey goes in the Idempotency-Key header.
// Errors are shown with ElMessage unless their code is in handle (or handle
// is '*', or a function of the ApiError that says true), for a caller that
// shows them beside the form; an error already shown or acted on here has
// err.shown set.
export async function request(
  method,
  path,
  { body, raw, query, handle = [], blob = false, idempotencyKey } = {},
) {
  const headers = { Accept: blob ? '*/*' : 'application/json' };
  if (idempotencyKey) headers['Idempotency-Key'] = idempotencyKey;
  let payload;
  if (raw !== undefined) {
    headers['Content-Type'] = raw.type || 'application/octet-stream';
    payload = raw;
  } else if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  if (method !== 'GET' && method !== 'HEAD') {
    const t = csrf.get();
    if (t) headers['X-CSRF-Token'] = t;
  }
  const handled = (code, err) =>
    handle === '*' || (typeof handle === 'function' ? Boolean(err) && handle(err) : handle.includes(code));
  let res;
  try {
    res = await fetch(url(path, query), {
      method,
      headers,
      body: payload,
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch {
    const err = new ApiError(0, { code: 'network', message: '无法连接服务器，请检查网络后重试' });
    if (!handled(err.code, err)) {
      ElMessage.error({ message: err.message, grouping: true });
      err.shown = true;
    }
    throw err;
  }
  const type = res.headers.get('content-type') || '';
  if (res.ok && blob) {
    if (type.startsWith('application/json')) return { json: await res.json() };
    return { blob: await res.blob(), filename: dispositionName(res.headers.get('content-disposition')), type };
  }
  let json = null;
  if (type.startsWith('application/json')) {
    try {
      json = await res.json();
    } catch {
      json = null;
    }
  }
  if (res.ok) return json;

  const err = new ApiError(res.status, json?.error || {});
  if (handled(err.code, err)) throw err;
  if (res.status === 401) {
    handlers.unauthorized(err);
  } else if (res.status === 403 && err.code === 'password_change_required') {
    handlers.passwordRequired(err);
  } else if (res.status === 403 && err.code === 'csrf_failed') {
    handlers.csrfLost(err);
  } else {
    ElMessage.error({ message: err.message, grouping: true });
  }
  err.shown = true;
  throw err;
}

const get = (path, query, opts) => request('GET', path, { query, ...opts });
const post = (path, body, opts) => request('POST', path, { body: body ?? {}, ...opts });
const put = (path, body, opts) => request('PUT', path, { body, ...opts });
const patch = (path, body, opts) => request('PATCH', path, { body, ...opts });
// The entry forms: an error that names a field is shown beside it by the form
// (see common/formErrors.js); a creation carries the form's Idempotency-Key.
const fieldErrors = (err) => Boolean(err.field) && err.status !== 401 && err.status !== 403;
const form = (idempotencyKey) => ({ handle: fieldErrors, idempotencyKey });
const upload = (path, query, file, opts) => request('POST', path, { query, raw: file, ...opts });
const download = (path, query, opts) => request('GET', path, { query, blob: true, ...opts });

// Where the browser itself fetches a file (an <img>, an <iframe>, a new tab):
// the session cookie goes along, and a GET needs no CSRF token.
export const fileUrl = (path, query) => url(path, query);

export const api = {
  openapi: () => get('/openapi.json'),

  // Sign-in and the caller's own account.
  login: (username, password) =>
    post('/session', { username, password }, { handle: '*' }),
  logout: () => request('DELETE', '/session', { handle: '*' }),
  me: () => get('/me', undefined, { handle: ['unauthenticated', 'session_expired'] }),
  changePassword: (oldPassword, newPassword) =>
    post(
      '/me/password',
      { old_password: oldPassword, new_password: newPassword },
      { handle: ['wrong_password', 'weak_password', 'invalid_length'] },
    ),

  // Accounts (admin creates through an approval; security sets roles and unlocks).
  accounts: {
    list: (cursor, limit = 50) => get('/accounts', { cursor, limit }),
    create: (account) =>
      post('/accounts', account, { handle: ['invalid_username', 'invalid_length', 'username_taken'] }),
    setRole: (id, role) => put(`/accounts/${id}/role`, role),
    disable: (id) => post(`/accounts/${id}/disable`),
    enable: (id) => post(`/accounts/${id}/enable`),
    resetPassword: (id) => post(`/accounts/${id}/reset-password`),
  },
  unlock: (username) => post('/unlock', { username }),

  apiKeys: {
    list: () => get('/api-keys'),
    create: (key) => post('/api-keys', key),
    revoke: (id) => post(`/api-keys/${id}/revoke`),
  },

  audit: {
    list: (filters, cursor, limit = 50) => get('/audit', { ...filters, cursor, limit }),
    verify: (expectHead) => get('/audit/verify', { expect_head: expectHead }),
  },

  approvals: {
    list: (state, cursor, limit = 100) => get('/approvals', { state, cursor, limit }),
    approve: (id, note) => post(`/approvals/${id}/approve`, note ? { note } : {}),
    reject: (id, note) => post(`/approvals/${id}/reject`, { note }),
    cancel: (id) => post(`/approvals/${id}/cancel`),
  },

  // The housing stock: communities, buildings and their grid, units and
  // their dossier, acceptance checks.
  communities: {
    list: (cursor, limit = 200) => get('/communities', { cursor, limit }),
    // Ids and names only: also for the administrator and the security officer.
    names: (cursor, limit = 200) => get('/community-names', { cursor, limit }),
    get: (id) => get(`/communities/${id}`),
  },
  buildings: {
    list: (communityId, cursor, limit = 200) => get('/buildings', { community_id: communityId, cursor, limit }),
    grid: (id) => get(`/buildings/${id}/grid`),
    create: (building, key) => post('/buildings', building, form(key)),
  },
  units: {
    list: (filters, cursor, limit = 50) => get('/units', { ...filters, cursor, limit }),
    get: (id) => get(`/units/${id}`),
    dossier: (id) => get(`/units/${id}/dossier`),
    // action: repair, repair-done, disable, enable.
    act: (id, action, reason) => post(`/units/${id}/${action}`, { reason }),
    create: (unit, key) => post('/units', unit, form(key)),
    update: (id, changes) => patch(`/units/${id}`, changes, form()),
    // Opens the unit's acceptance check (分户核验) with its items.
    openAcceptance: (id, check, key) => post(`/units/${id}/acceptance`, check, form(key)),
  },
  // Facilities and equipment (设施设备) of a unit, a building, an entrance
  // or a community.
  assets: {
    create: (asset, key) => post('/assets', asset, form(key)),
    update: (id, changes) => patch(`/assets/${id}`, changes, form()),
  },
  acceptance: {
    list: (filters, cursor, limit = 50) => get('/acceptance-checks', { ...filters, cursor, limit }),
    get: (id) => get(`/acceptance-checks/${id}`),
    sign: (id) => post(`/acceptance-checks/${id}/sign`),
    confirm: (id) => post(`/acceptance-checks/${id}/confirm`),
    return: (id, note) => post(`/acceptance-checks/${id}/return`, { note }),
  },

  // Households, their members and persons.
  households: {
    list: (filters, cursor, limit = 50) => get('/households', { ...filters, cursor, limit }),
    categories: () => get('/household-categories'),
    get: (id) => get(`/households/${id}`),
    dossier: (id) => get(`/households/${id}/dossier`),
    mine: () => get('/my/household', undefined, { handle: ['household_not_found'] }),
    create: (household, key) => post('/households', household, form(key)),
    update: (id, changes) => patch(`/households/${id}`, changes, form()),
    addMember: (id, member, key) => post(`/households/${id}/members`, member, form(key)),
    leave: (id, memberId) => post(`/households/${id}/members/${memberId}/leave`),
    setHead: (id, memberId, formerHeadRelationship) =>
      post(
        `/households/${id}/head`,
        { member_id: memberId, ...(formerHeadRelationship ? { former_head_relationship: formerHeadRelationship } : {}) },
        form(),
      ),
  },
  persons: {
    reveal: (id, field, reason) => post(`/persons/${id}/reveal`, { field, reason }, { handle: ['invalid_length'] }),
  },

  // The header's search box; POST keeps the words out of every URL and log.
  search: (q) => post('/search', { q }),

  // Documents and photos of a unit or a household.
  attachments: {
    list: (ownerType, ownerId, cursor, limit = 200) =>
      get('/attachments', { owner_type: ownerType, owner_id: ownerId, cursor, limit }),
    upload: (ownerType, ownerId, category, file) =>
      upload('/attachments', { owner_type: ownerType, owner_id: ownerId, category, filename: file.name }, file),
    remove: (id) => request('DELETE', `/attachments/${id}`),
    contentUrl: (id) => fileUrl(`/attachments/${id}/content`),
    content: (id) => download(`/attachments/${id}/content`),
  },

  // Imports (a CSV as it is, or the rows of a sheet read in the browser) and
  // exports to Excel are jobs that only their maker sees: started, followed,
  // then the error report or the file.
  imports: {
    // Sent as text/csv whatever the system calls a .csv file; the server
    // reads UTF-8 or GB18030.
    csv: (kind, file) => upload(`/imports/${kind}`, undefined, new Blob([file], { type: 'text/csv' })),
    rows: (kind, header, rows) => post(`/imports/${kind}/rows`, { header, rows }),
    get: (id) => get(`/imports/${id}`),
    errors: (id, cursor, limit = 200) => get(`/imports/${id}/errors`, { cursor, limit }),
    errorsCsv: (id) => download(`/imports/${id}/errors.csv`),
  },
  exports: {
    start: (kind, communityId) => post(`/exports/${kind}`, communityId ? { community_id: communityId } : {}),
    get: (id) => get(`/exports/${id}`),
    file: (id) => download(`/exports/${id}/file`),
  },
};
