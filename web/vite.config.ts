import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

/** The workbench is served by the API at /app (api/routes/workbench.ts); `npm run build:web` builds it. */
export default defineConfig({
  root: import.meta.dirname,
  base: '/app/',
  plugins: [vue()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
    rollupOptions: {
      output: {
        // The charts and the process map are big and used by few pages: chunks of their own, loaded with those pages.
        manualChunks: (id: string) =>
          /node_modules\/(echarts|zrender)\//.test(id) ? 'charts' : /node_modules\/(bpmn-js|diagram-js|bpmn-moddle|moddle)/.test(id) ? 'bpmn' : undefined,
      },
    },
  },
});
