// The household entry forms' rules: a member's name, ID number (checked
// with the GB 11643 check digit before anything is sent) and phone.
import { idNumberProblem } from '../common/idnumber.js';

// The relationships a member other than the head may have.
export const MEMBER_RELATIONSHIPS = ['spouse', 'child', 'parent', 'sibling', 'other'];

// The server counts a name's length in bytes of UTF-8 (64 at most).
const bytes = (s) => new TextEncoder().encode(s).length;
export const nameRules = [
  { required: true, whitespace: true, message: '请输入姓名', trigger: 'blur' },
  {
    trigger: 'blur',
    validator: (_r, v, cb) => cb(bytes(String(v ?? '').trim()) > 64 ? new Error('姓名过长（最多约 21 个汉字）') : undefined),
  },
];

// others(): the ID numbers of the form's other rows, to catch one typed twice.
export function idNumberRules(others = () => []) {
  return [
    {
      trigger: 'blur',
      validator: (_r, v, cb) => {
        const problem = idNumberProblem(v);
        if (problem) return cb(new Error(problem));
        const n = String(v).trim().toUpperCase();
        if (others().some((o) => String(o || '').trim().toUpperCase() === n)) {
          return cb(new Error('同一身份证号不能登记两次'));
        }
        return cb();
      },
    },
  ];
}

// A phone as the server takes it: 7 to 15 digits, spaces, - and + allowed.
export const phoneRules = [
  {
    trigger: 'blur',
    validator: (_r, v, cb) => {
      const s = String(v ?? '').trim();
      if (!s) return cb();
      if (!/^[\d\s+-]+$/.test(s)) return cb(new Error('电话号码只能包含数字、空格、+ 和 -'));
      const n = s.replace(/\D/g, '').length;
      return cb(n < 7 || n > 15 ? new Error('电话号码应为 7 到 15 位数字') : undefined);
    },
  },
];

// A member's body for the API: trimmed, without an empty phone.
export function memberBody(m) {
  const out = { name: m.name.trim(), id_number: m.id_number.trim().toUpperCase(), relationship: m.relationship };
  if (m.phone && m.phone.trim()) out.phone = m.phone.trim();
  return out;
}
