// Following a long job (an import, an export) from the console: the job is
// asked for every so often until it ends, and each answer is handed to the
// caller to draw a progress bar.

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const jobDone = (job) => !['queued', 'running'].includes(job.state);

// fetch() gives the job as it is now (api.imports.get(id) ...).  Resolves
// with the job once it has ended; onProgress(job) after each look.  stop (an
// object whose stopped the page sets when it goes away) ends the wait early
// with null.
export async function followJob(fetch, onProgress, stop = {}) {
  let wait = 250;
  for (;;) {
    if (stop.stopped) return null;
    const job = await fetch();
    onProgress?.(job);
    if (jobDone(job)) return job;
    await sleep(wait);
    wait = Math.min(wait * 1.5, 2000);
  }
}
