// The role and community scope of an account or an API key, as the forms hold
// it ({ role, scope: 'some' | 'all', communities: [1, 2] }, see
// RoleScopeFields.vue) and as the API takes it.  The server checks it again.
import { BUSINESS_ROLES } from './roles.js';

export const blankRoleScope = () => ({ role: '', scope: 'some', communities: [] });

// An account's role and scope, for editing.
export function roleScopeOf(account) {
  return {
    role: BUSINESS_ROLES.includes(account.role) ? account.role : '',
    scope: account.scope?.all ? 'all' : 'some',
    communities: [...(account.scope?.communities || [])],
  };
}

// [1, 2] or "1, 2，3" (a draft kept before the picker) -> [1, 2, 3]; null when
// something is not a positive whole number.
export function parseIds(value) {
  const parts = Array.isArray(value)
    ? value.map(String)
    : String(value || '')
        .split(/[\s,，、;；]+/)
        .filter(Boolean);
  const ids = parts.map((p) => (/^[1-9]\d{0,15}$/.test(p) ? Number(p) : NaN));
  return ids.some(Number.isNaN) ? null : [...new Set(ids)];
}

// The request's role, all_communities and communities.
export function roleScopeBody(form) {
  const all = form.scope === 'all';
  return { role: form.role, all_communities: all, communities: all ? [] : parseIds(form.communities) || [] };
}

// The form field that shows the server's complaint about a request field.
export function roleScopeField(field) {
  return field === 'all_communities' ? 'communities' : field;
}
