import vue from '@vitejs/plugin-vue';
import { defineConfig, type Plugin } from 'vite';

/**
 * Element Plus's styles by component: a module that imports components from 'element-plus' also imports
 * their styles, so each chunk carries the CSS of the components it uses. The whole theme (360 KB) was on
 * every first screen before.
 */
function elementPlusStyles(): Plugin {
  return {
    name: 'jiesu:element-plus-styles',
    async transform(code, id) {
      if (id.includes('/node_modules/') || !/\.(ts|vue)$/.test(id)) return null;
      const names = [...code.matchAll(/import\s*\{([^}]*)\}\s*from\s*['"]element-plus['"]/g)].flatMap((m) => m[1]!.split(',').map((n) => n.trim()).filter((n) => n.startsWith('El')));
      if (names.length === 0) return null;
      const styles: string[] = [];
      for (const name of names) {
        const dir = name.slice(2).replace(/[A-Z]/g, (c, at: number) => (at > 0 ? '-' : '') + c.toLowerCase());
        const style = `element-plus/es/components/${dir}/style/css`;
        if (!(await this.resolve(style, id))) this.error(`${name} (imported by ${id}) has no styles at ${style}`);
        styles.push(`import '${style}';`);
      }
      return { code: `${styles.join('')}${code}`, map: null };
    },
  };
}

/** The workbench is served by the API at /app (api/routes/workbench.ts); `npm run build:web` builds it. */
export default defineConfig({
  root: import.meta.dirname,
  base: '/app/',
  plugins: [vue(), elementPlusStyles()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
    rolldownOptions: {
      output: {
        codeSplitting: {
          groups: [
            // The charts and the process map are big and used by few pages: chunks of their own, loaded with those pages.
            { name: 'charts', test: /node_modules[\\/](echarts|zrender)[\\/]/, priority: 2 },
            { name: 'bpmn', test: /node_modules[\\/](bpmn-js|diagram-js|bpmn-moddle|moddle)/, priority: 2 },
            // All the first screen needs in one chunk (and one stylesheet): split into the pieces the pages share, it
            // was 15 requests, which the browser's six connections to the API took in three rounds.
            { name: 'app', tags: ['$initial'], priority: 1 },
          ],
        },
      },
    },
  },
});
