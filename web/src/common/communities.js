// The communities the signed-in user may see, for the pickers: loaded once
// per account and kept until sign-out or a reload (a new community appears
// after a reload).  The system administrator and the security officer see no
// business data: they get the communities' names only (to grant scopes).
import { api } from '../api.js';
import { can, session } from '../session.js';

let cache = { owner: null, promise: null };

const full = () => can('GET /api/v1/communities');
export const mayListCommunities = () => full() || can('GET /api/v1/community-names');

async function all() {
  const out = [];
  const page = full() ? api.communities.list : api.communities.names;
  let cursor;
  do {
    const res = await page(cursor);
    out.push(...res.items);
    cursor = res.next;
  } while (cursor);
  return out;
}

// [{id, name, ...}] in the server's order; [] when the role may not list them.
export function loadCommunities({ fresh = false } = {}) {
  const owner = session.me?.username || null;
  if (!fresh && cache.owner === owner && cache.promise) return cache.promise;
  const promise = mayListCommunities() ? all() : Promise.resolve([]);
  // A failed load is not kept: the next picker asks again.
  promise.catch(() => {
    if (cache.promise === promise) cache = { owner: null, promise: null };
  });
  cache = { owner, promise };
  return promise;
}

// A community's name from a loaded list, or its number.
export function communityName(list, id) {
  return list.find((c) => c.id === id)?.name || (id ? `#${id}` : '—');
}

// The community a form starts with: the one given, else the user's only
// community, else none.
export async function defaultCommunity(given) {
  if (given) return given;
  const list = await loadCommunities().catch(() => []);
  return list.length === 1 ? list[0].id : null;
}
