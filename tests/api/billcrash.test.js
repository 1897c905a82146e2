// The billing run killed at random points (issue 7 §2): `anju bill` over
// 2,000 lease chains (bench/billing_fixture.sh) in chunks of 50, killed with
// SIGKILL at a point spread over its running time, 20 times on SQLite and 5
// on PostgreSQL, each on a fresh data directory; after each kill `anju bill`
// again completes the period: every chain has exactly its one rent charge,
// every charge its rent_line and its household's entry in the chunk's
// journal, and `anju ledger check` passes.  At least one kill must have
// left the month half billed (otherwise the test proved nothing).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { BIN, ENGINE, ROOT, initData, run, dbExec } from './lib/server.js';

const CHAINS = 2000;
const KILLS = ENGINE === 'postgresql' ? 5 : 20;
const CHUNK = '50';

function shanghai() {
  return new Date(Date.now() + 8 * 3600e3);
}
// Next month, and its 10th (where a tenth of the fixture's leases start).
const next = (() => {
  const d = shanghai();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() + 1);
  return d.toISOString().slice(0, 7);
})();

function fixture(dir) {
  execFileSync('sh', [resolve(ROOT, 'bench/billing_fixture.sh'), dir, String(CHAINS), `${next}-10`], { stdio: 'pipe' });
}

// The one number a query gives on the data directory's database.
const q = (dir, sql) => Number(dbExec(dir, sql));

function billArgs(dir) {
  return ['bill', '--data', dir, '--period', next, '--chunk', CHUNK];
}

// Runs `anju bill` and kills it after ms: its exit and the charges committed.
function killedRun(dir, ms) {
  return new Promise((res) => {
    const p = spawn(BIN, billArgs(dir), { stdio: 'ignore' });
    const timer = setTimeout(() => p.kill('SIGKILL'), ms);
    p.on('exit', (code, signal) => {
      clearTimeout(timer);
      res({ code, signal });
    });
  });
}

function assertComplete(dir) {
  const period = `'${next}'`;
  assert.equal(q(dir, `SELECT COUNT(*) FROM charge WHERE kind = 'rent' AND period = ${period}`), CHAINS);
  assert.equal(q(dir, `SELECT COUNT(*) FROM lease_chain ch WHERE NOT EXISTS (SELECT 1 FROM charge c
    WHERE c.source_type = 'lease_chain' AND c.source_id = ch.id AND c.kind = 'rent' AND c.period = ${period})`), 0);
  assert.equal(q(dir, `SELECT COUNT(*) FROM charge c WHERE c.period = ${period} AND NOT EXISTS
    (SELECT 1 FROM rent_line r WHERE r.charge_id = c.id)`), 0);
  assert.equal(q(dir, `SELECT COUNT(*) FROM rent_line r WHERE NOT EXISTS (SELECT 1 FROM journal_entry e
    JOIN ledger_account a ON a.id = e.account_id WHERE e.journal_id = r.journal_id
    AND a.household_id = r.household_id)`), 0);
  const check = run(['ledger', 'check', '--data', dir]);
  assert.match(check, /all balanced/);
}

test(`anju bill killed ${KILLS} times at random points completes the month each time`, { timeout: 20 * 60e3 }, async () => {
  // How long an undisturbed run takes here.
  const ref = initData();
  fixture(ref.dir);
  const t0 = Date.now();
  run(billArgs(ref.dir));
  const took = Math.max(Date.now() - t0, 50);
  assertComplete(ref.dir);
  rmSync(resolve(ref.dir, '..'), { recursive: true, force: true });

  let halfway = 0;
  for (let k = 0; k < KILLS; k++) {
    const data = initData();
    try {
      fixture(data.dir);
      // Spread over the run: the k-th kill in the k-th slice of its time.
      const ms = Math.round((took * (k + Math.random())) / KILLS);
      const r = await killedRun(data.dir, ms);
      const committed = q(data.dir, `SELECT COUNT(*) FROM charge WHERE period = '${next}'`);
      if (r.signal === 'SIGKILL' && committed > 0 && committed < CHAINS) halfway++;
      // The re-run resumes (or starts again) and completes the period.
      const out = run(billArgs(data.dir));
      assert.match(out, /billing run \d+/);
      assertComplete(data.dir);
    } finally {
      rmSync(resolve(data.dir, '..'), { recursive: true, force: true });
    }
  }
  assert.ok(halfway >= 1, `no kill left the month half billed (a run took ${took} ms)`);
});
