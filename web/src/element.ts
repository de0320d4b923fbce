/**
 * The Element Plus components of the app's frame and its first screens, registered globally; every other
 * one is imported by the page that uses it, so it loads with that page and not before the first screen.
 */
import type { App, Plugin } from 'vue';
import { ElAlert, ElButton, ElConfigProvider, ElDrawer, ElInput, ElMenu, ElMenuItem, ElOption, ElSelect, ElTable, ElTableColumn, ElTag } from 'element-plus';

const COMPONENTS: Plugin[] = [ElAlert, ElButton, ElConfigProvider, ElDrawer, ElInput, ElMenu, ElMenuItem, ElOption, ElSelect, ElTable, ElTableColumn, ElTag];

export function registerElements(app: App): void {
  for (const component of COMPONENTS) app.use(component);
}
