// The self-test job's checkable result: sum of (n * 7919 mod 1000003), n < rows.
export function expectedSum(rows) {
  let sum = 0n;
  for (let n = 0n; n < BigInt(rows); n++) sum += (n * 7919n) % 1000003n;
  return Number(sum);
}
