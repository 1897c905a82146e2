// kill -9 in the middle of a chunked job; after a restart the job resumes
// from its checkpoint and its result is exact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initData, Server, cleanup, sleep } from './lib/server.js';
import { expectedSum } from './lib/selftest.js';

for (const mode of ['fill', 'staged']) {
  test(`a ${mode} job survives kill -9 of its server`, async () => {
    const data = initData();
    const s = new Server(data, { schedules: 'false' });
    await s.start();
    try {
      const rows = 6000;
      const r = await s.api('POST', '/api/v1/jobs', { body: { kind: 'selftest', params: { rows, chunk: 200, pause_ms: 30, mode } } });
      const id = r.json.id;
      let seen;
      for (let i = 0; i < 400; i++) {
        seen = (await s.api('GET', `/api/v1/jobs/${id}`)).json;
        if (seen.progress.done >= rows / 4) break;
        await sleep(25);
      }
      assert.equal(seen.state, 'running');
      assert.ok(seen.progress.done < rows, 'killed before the end');
      const { signal } = await s.stop('SIGKILL');
      assert.equal(signal, 'SIGKILL');

      // The job is still marked running by the dead process until a server takes it back.
      await s.start();
      const job = await s.waitJob(id, 120000);
      assert.equal(job.state, 'succeeded', JSON.stringify(job));
      assert.equal(job.attempts, 2);
      assert.deepEqual(job.result, { rows, sum: expectedSum(rows), mode });
      assert.match(s.log, new RegExp(`job ${id} taken back from a dead worker`));
    } finally {
      await s.stop();
      cleanup(s);
    }
  });
}
