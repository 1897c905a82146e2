// Money is integer fen everywhere; the console shows yuan with two decimals
// and never computes with floating point.

// 123456 -> "1,234.56"
export function yuanText(fen) {
  if (fen === null || fen === undefined) return '—';
  const n = BigInt(fen);
  const neg = n < 0n;
  const a = neg ? -n : n;
  const whole = (a / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${neg ? '-' : ''}${whole}.${(a % 100n).toString().padStart(2, '0')}`;
}

// What a clerk types in yuan ("5200", "5,200.5") -> fen (520050), or null
// when it is not an amount with at most two decimals.
export { parseHundredths as yuanToFen, hundredthsInput as fenToYuanInput } from './decimal.js';
