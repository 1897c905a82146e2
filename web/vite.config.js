// Builds the console into web/dist, which `anju serve` serves (assets/ with
// immutable caching, index.html for every application path).  `npm run dev`
// serves it with hot reload and sends /api to a local `anju serve`.
import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';

export default defineConfig({
  plugins: [vue()],
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
  },
  server: {
    proxy: { '/api': process.env.ANJU_API || 'http://127.0.0.1:8080' },
  },
});
