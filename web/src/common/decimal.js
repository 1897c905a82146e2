// Amounts the console reads and writes as decimals with two places (yuan,
// square metres) but sends as whole hundredths (fen, 0.01 m²): parsed from
// the text as typed, never through floating point.

// "1234.5" -> 123450; "1,234.56" -> 123456; null for anything else (a sign,
// a third decimal, letters, nothing).  maxWhole bounds the digits before
// the point.
export function parseHundredths(text, maxWhole = 13) {
  const s = String(text ?? '')
    .trim()
    .replace(/[,，\s]/g, '');
  const m = new RegExp(`^(\\d{1,${maxWhole}})(?:\\.(\\d{1,2}))?$`).exec(s);
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] || '').padEnd(2, '0'));
}

// 123450 -> "1234.50", for an input box (no thousands separators); "" for
// nothing.
export function hundredthsInput(n) {
  if (n === null || n === undefined || n === '') return '';
  const v = Number(n);
  const a = Math.abs(v);
  return `${v < 0 ? '-' : ''}${Math.trunc(a / 100)}.${String(a % 100).padStart(2, '0')}`;
}

// An Element Plus form rule for such an amount: required or not, within
// [min, max] hundredths, with what the user reads ("金额", "元").
export function hundredthsRule({ label, unit, required = false, min = 0, max = Number.MAX_SAFE_INTEGER }) {
  return {
    trigger: 'blur',
    validator: (_rule, value, callback) => {
      const empty = String(value ?? '').trim() === '';
      if (empty) return callback(required ? new Error(`请输入${label}`) : undefined);
      const n = parseHundredths(value);
      if (n === null) return callback(new Error(`${label}应为数字，最多两位小数`));
      if (n < min) return callback(new Error(`${label}不能小于 ${hundredthsInput(min)} ${unit}`));
      if (n > max) return callback(new Error(`${label}不能大于 ${hundredthsInput(max)} ${unit}`));
      return callback();
    },
  };
}
