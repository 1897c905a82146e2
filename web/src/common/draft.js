// Drafts of open forms, kept in sessionStorage while the user types, so that a
// session that expires mid-form loses nothing: after signing in again the
// page reopens the form with what was typed.  Keyed by account, cleared on
// sign-out and on a successful submit.  Never used for passwords.
import { watch } from 'vue';

const PREFIX = 'anju.draft.';

function key(owner, name) {
  return `${PREFIX}${owner}.${name}`;
}

// useDraft(owner, name, form): restores a saved draft into the reactive form
// (returns whether it did) and saves every change.  draft.open marks that the
// form was open, draft.clear() drops it.
export function useDraft(owner, name, form) {
  const k = key(owner, name);
  let restored = false;
  try {
    const saved = JSON.parse(sessionStorage.getItem(k) || 'null');
    if (saved && typeof saved === 'object') {
      Object.assign(form, saved);
      restored = true;
    }
  } catch {
    sessionStorage.removeItem(k);
  }
  let active = restored;
  const stop = watch(
    form,
    (v) => {
      if (active) sessionStorage.setItem(k, JSON.stringify(v));
    },
    { deep: true },
  );
  return {
    restored,
    // Starts keeping the form (when it is opened).
    start() {
      active = true;
      sessionStorage.setItem(k, JSON.stringify(form));
    },
    clear() {
      active = false;
      sessionStorage.removeItem(k);
    },
    stop,
  };
}

export function clearDrafts(owner) {
  const prefix = `${PREFIX}${owner}.`;
  for (let i = sessionStorage.length - 1; i >= 0; i--) {
    const k = sessionStorage.key(i);
    if (k && k.startsWith(prefix)) sessionStorage.removeItem(k);
  }
}
