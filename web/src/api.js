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

// request(method, path, {body, query, handle}): the parsed JSON of a 2xx answer,
// or throws ApiError.  Errors are shown with ElMessage unless their code is in
// handle (or handle is '*'), for a caller that shows them beside the form;
// an error already shown or acted on here has err.shown set.
export async function request(method, path, { body, query, handle = [] } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD') {
    const t = csrf.get();
    if (t) headers['X-CSRF-Token'] = t;
  }
  const handled = (code) => handle === '*' || handle.includes(code);
  let res;
  try {
    res = await fetch(url(path, query), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch {
    const err = new ApiError(0, { code: 'network', message: '无法连接服务器，请检查网络后重试' });
    if (!handled(err.code)) {
      ElMessage.error({ message: err.message, grouping: true });
      err.shown = true;
    }
    throw err;
  }
  let json = null;
  if ((res.headers.get('content-type') || '').startsWith('application/json')) {
    try {
      json = await res.json();
    } catch {
      json = null;
    }
  }
  if (res.ok) return json;

  const err = new ApiError(res.status, json?.error || {});
  if (handled(err.code)) throw err;
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
};
