// The console's entry: Vue, the router, Element Plus's styles (its components
// are imported where they are used, so only those are bundled) and the
// console's own few styles.
import { createApp } from 'vue';
import 'element-plus/dist/index.css';
import './common/console.css';
import App from './App.vue';
import { router } from './router.js';

createApp(App).use(router).mount('#app');
