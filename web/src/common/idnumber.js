// The resident ID number (GB 11643) checked in the browser before a form is
// sent, with the server's rules (src/core/idnum.c): 18 characters (or the
// old 15 digits), digits only but for a final X, a real birth date not in
// the future, and the check digit of ISO 7064 MOD 11-2.

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = '10X98765432';

// The check character of the first 17 digits.
export function idCheckChar(first17) {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * WEIGHTS[i];
  return CHECK[sum % 11];
}

function validDate(y, m, d) {
  if (m < 1 || m > 12 || d < 1) return false;
  const days = [31, y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return d <= days[m - 1];
}

// Today in Beijing as YYYYMMDD, as the server counts it.
function todayShanghai() {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' })
      .formatToParts(new Date())
      .map((x) => [x.type, x.value]),
  );
  return `${p.year}${p.month}${p.day}`;
}

// What is wrong with an ID number, in Chinese, or '' when it is right.
export function idNumberProblem(text, today = todayShanghai()) {
  const s = String(text ?? '').trim();
  if (!s) return '请输入身份证号';
  if (s.length !== 18 && s.length !== 15) return '身份证号码应为18位（或旧的15位）';
  if (!(s.length === 18 ? /^\d{17}[\dXx]$/ : /^\d{15}$/).test(s)) return '身份证号码只能包含数字，最后一位可以是X';
  const full = s.length === 15 ? `${s.slice(0, 6)}19${s.slice(6)}` : s;
  const birth = full.slice(6, 14);
  if (!validDate(Number(birth.slice(0, 4)), Number(birth.slice(4, 6)), Number(birth.slice(6, 8))) || birth > today) {
    return '身份证号码中的出生日期无效';
  }
  if (s.length === 18 && s[17].toUpperCase() !== idCheckChar(s)) return '身份证号码校验位不正确';
  return '';
}

// The number as the server keeps it: trimmed, a final x upper-cased.
export const normaliseIdNumber = (text) => String(text ?? '').trim().toUpperCase();

// An Element Plus form rule.
export const idNumberRule = {
  trigger: 'blur',
  validator: (_rule, value, callback) => {
    const problem = idNumberProblem(value);
    callback(problem ? new Error(problem) : undefined);
  },
};
