// How the console names what a household carries.  The categories are the
// server's configurable list (GET /api/v1/household-categories).
import { api } from '../api.js';
import { knowCategories } from '../common/timeline.js';

export const RELATIONSHIPS = {
  head: '户主',
  spouse: '配偶',
  child: '子女',
  parent: '父母',
  sibling: '兄弟姐妹',
  other: '其他',
};
export const relationshipTitle = (r) => RELATIONSHIPS[r] || r || '—';

export const HOUSEHOLD_STATES = { active: '正常', closed: '已注销' };
export const householdStateTitle = (s) => HOUSEHOLD_STATES[s] || s || '—';

export const sexTitle = (s) => ({ male: '男', female: '女' })[s] || '—';

let categories = null;
// [{code, name, priority, active}], loaded once per page load.
export function loadCategories() {
  categories ??= api.households
    .categories()
    .then((res) => {
      const list = res.items || [];
      knowCategories(list);
      return list;
    })
    .catch((e) => {
      categories = null;
      throw e;
    });
  return categories;
}
export const categoryName = (list, code) => list.find((c) => c.code === code)?.name || code || '—';

// A head of household's name for headings: the head member's, else the first.
export function headOf(members) {
  return members.find((m) => m.relationship === 'head') || members[0] || null;
}
