// Whether the window is phone-sized (the console's one breakpoint, 767px),
// as a ref that follows the window.
import { onBeforeUnmount, ref } from 'vue';

export function useNarrow() {
  const query = window.matchMedia('(max-width: 767px)');
  const narrow = ref(query.matches);
  const on = (e) => {
    narrow.value = e.matches;
  };
  query.addEventListener('change', on);
  onBeforeUnmount(() => query.removeEventListener('change', on));
  return narrow;
}
