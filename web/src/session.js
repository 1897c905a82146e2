// Who is signed in, and what their role may use.  What a role may call comes
// from the server's own OpenAPI document ("x-roles" of each operation), so the
// navigation shows exactly what the router on the server will allow; the
// server still checks every request.
import { reactive } from 'vue';
import { api, csrf } from './api.js';
import { clearDrafts } from './common/draft.js';

export const session = reactive({
  me: null, // GET /api/v1/me
  ops: null, // "GET /api/v1/accounts" -> ["admin", "security"]
});

let opsLoading = null;
async function loadOps() {
  if (session.ops) return session.ops;
  opsLoading ??= api
    .openapi()
    .then((doc) => {
      const ops = {};
      for (const [path, item] of Object.entries(doc.paths || {})) {
        for (const [method, op] of Object.entries(item)) {
          ops[`${method.toUpperCase()} ${path}`] = op['x-roles'] || null;
        }
      }
      session.ops = ops;
      return ops;
    })
    .finally(() => {
      opsLoading = null;
    });
  return opsLoading;
}

// Loads the signed-in account; throws the ApiError of a 401 when there is none.
export async function loadSession() {
  const [me] = await Promise.all([api.me(), loadOps()]);
  session.me = me;
  return me;
}

// Whether the signed-in role may call op ("METHOD /api/v1/path"); false for an
// operation the server does not offer.
export function can(op) {
  if (!session.me || !session.ops) return false;
  const roles = session.ops[op];
  if (roles === undefined) return false;
  return roles === null || roles.includes(session.me.role);
}

export function signedIn(result) {
  csrf.set(result.csrf_token);
  session.me = null; // loaded again with its scope by the router
}

// Forgets the session in this tab.  Drafts of open forms stay when the
// session merely expired, so the user finds them after signing in again.
export function forget({ keepDrafts = false } = {}) {
  if (!keepDrafts && session.me) clearDrafts(session.me.username);
  csrf.clear();
  session.me = null;
}

export async function signOut() {
  try {
    await api.logout();
  } finally {
    forget();
  }
}
