/** A page's error: `attempt` runs a call, keeps what it threw for the page to show (ProblemAlert), and says whether it worked. */
import { ref } from 'vue';

export function useAttempt() {
  const error = ref<unknown>(null);
  async function attempt(run: () => Promise<unknown>): Promise<boolean> {
    error.value = null;
    try {
      await run();
      return true;
    } catch (e) {
      error.value = e;
      return false;
    }
  }
  return { error, attempt };
}
