import { createApp } from 'vue';
// The components' styles first (element.ts imports them with the components), the app's own after them.
import { registerElements } from './element.js';
import './style.css';
import App from './App.vue';
import { router } from './router.js';

const app = createApp(App);
registerElements(app);
app.use(router);
app.mount('#app');
