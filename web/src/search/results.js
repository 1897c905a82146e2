// The search box's results as the console shows them: one line and a second
// line for each, and where choosing it leads.  One box takes a name (its
// beginning), a phone or an ID number (whole), or a unit number (its
// beginning); the server decides which and applies the user's scope.
import { reactive } from 'vue';
import { statusTitle } from '../housing/status.js';

export const GROUPS = [
  { key: 'households', title: '住户' },
  { key: 'persons', title: '人员' },
  { key: 'units', title: '房屋' },
];

// Whether q is worth asking about: digits and dashes (a phone, an ID number,
// a unit number) need three characters, a name one.
export function searchable(q) {
  const t = q.trim();
  if (!t) return false;
  return /^[\d\-xX]+$/.test(t) ? t.length >= 3 : true;
}

const join = (...parts) => parts.filter(Boolean).join(' · ');

export function describe(group, item) {
  if (group === 'households') {
    return {
      title: `${item.head_name || '住户 #' + item.id} 户`,
      sub: join(item.community_name, item.category_name, item.head_id_number, item.head_phone),
    };
  }
  if (group === 'persons') {
    return {
      title: item.name,
      sub: join(item.id_number, item.phone, item.household_id ? item.community_name || '' : '未登记住户'),
    };
  }
  return {
    title: item.number,
    sub: join(item.community_name, item.layout, statusTitle(item.status)),
  };
}

// The route a result opens, or null (a person in no household).
export function target(group, item) {
  if (group === 'households') return { name: 'household', params: { id: item.id } };
  if (group === 'persons') return item.household_id ? { name: 'household', params: { id: item.household_id } } : null;
  return { name: 'unit', params: { id: item.id } };
}

// [{group, title, items: [{key, item, title, sub}]}] of the groups with
// results, in the groups' order.
export function grouped(res) {
  return GROUPS.map((g) => ({
    group: g.key,
    title: g.title,
    items: (res?.[g.key] || []).map((item) => ({ key: `${g.key}-${item.id}`, item, ...describe(g.key, item) })),
  })).filter((g) => g.items.length);
}

// The header's box asking the results page to search again (the page may
// already be open, where a navigation to it would change nothing).
export const searchAgain = reactive({ q: '', n: 0 });
