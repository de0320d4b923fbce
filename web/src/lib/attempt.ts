/** A page's error: `attempt` runs a call (`busy` meanwhile), keeps what it threw for the page to show (ProblemAlert), and says whether it worked. */
import { ref } from 'vue';

export function useAttempt() {
  const error = ref<unknown>(null);
  const busy = ref(false);
  async function attempt(run: () => Promise<unknown>): Promise<boolean> {
    error.value = null;
    busy.value = true;
    try {
      await run();
      return true;
    } catch (e) {
      error.value = e;
      return false;
    } finally {
      busy.value = false;
    }
  }
  return { error, busy, attempt };
}
