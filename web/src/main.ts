import { createApp } from 'vue';
import 'element-plus/dist/index.css';
import './style.css';
import App from './App.vue';
import { registerElements } from './element.js';
import { router } from './router.js';

const app = createApp(App);
registerElements(app);
app.use(router);
app.mount('#app');
