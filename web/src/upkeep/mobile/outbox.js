// The phone's outbox of patrol results: each item is put here as it is
// entered, with its own Idempotency-Key, and kept in localStorage until the
// server has acknowledged it, so a dropped connection (or a closed tab)
// loses nothing already entered, and a resend with the same key is never
// saved twice.  A changed entry for the same item replaces an unsent one
// with a new key.
import { newIdempotencyKey } from '../../api.js';

const KEY = 'anju.patrol.outbox';

export function pending(roundId) {
  let list = [];
  try {
    list = JSON.parse(localStorage.getItem(KEY) || '[]');
  } catch {
    list = [];
  }
  return roundId ? list.filter((e) => e.roundId === roundId) : list;
}

function save(list) {
  localStorage.setItem(KEY, JSON.stringify(list));
}

const same = (a, b) => a.roundId === b.roundId && a.pointId === b.pointId && a.itemId === b.itemId;

export function enqueue(entry) {
  const list = pending().filter((e) => !same(e, entry));
  list.push({ ...entry, key: newIdempotencyKey(), queuedAt: new Date().toISOString() });
  save(list);
}

function remove(entry) {
  save(pending().filter((e) => !(same(e, entry) && e.key === entry.key)));
}

// Whether an error means "try again later" (no answer, or the server busy)
// rather than "the server said no".
export const retryable = (err) => err.status === 0 || err.status === 429 || err.status >= 500;

let running = null;

// Sends every pending entry in order with send(entry) (a promise); an
// acknowledged or refused entry leaves the outbox (onDone(entry, result,
// error)); the first one that cannot reach the server stops the run and
// stays, to be sent again with the same key.  One run at a time.
export function flush(send, onDone) {
  if (running) return running;
  running = (async () => {
    try {
      for (const entry of pending()) {
        try {
          const result = await send(entry);
          remove(entry);
          onDone?.(entry, result, null);
        } catch (err) {
          if (retryable(err)) return false;
          remove(entry);
          onDone?.(entry, null, err);
        }
      }
      return true;
    } finally {
      running = null;
    }
  })();
  return running;
}
