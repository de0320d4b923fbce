/** Whether the screen is a phone's: the width below which pages show cards instead of tables (style.css). */
import { readonly, ref } from 'vue';

const query = window.matchMedia('(max-width: 767px)');
const narrowNow = ref(query.matches);
query.addEventListener('change', (event) => (narrowNow.value = event.matches));

/** True on a phone-wide screen; follows the window as it is resized or turned. */
export const narrow = readonly(narrowNow);
