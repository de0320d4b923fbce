import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** The Apache ECharts library the HTML report inlines (the `echarts` package's minified build). */
export function loadEchartsSource(): Promise<string> {
  return readFile(require.resolve('echarts/dist/echarts.min.js'), 'utf8');
}
