/**
 * The Element Plus components of the app's frame and its first screens, registered globally; every other
 * one (the table too: the queues draw plain tables) is imported by the page that uses it, so it loads with
 * that page and not before the first screen. The build adds each component's styles (web/vite.config.ts).
 */
import type { App, Plugin } from 'vue';
import { ElAlert, ElButton, ElConfigProvider, ElDrawer, ElInput, ElMenu, ElMenuItem, ElOption, ElSelect, ElTag } from 'element-plus';

const COMPONENTS: Plugin[] = [ElAlert, ElButton, ElConfigProvider, ElDrawer, ElInput, ElMenu, ElMenuItem, ElOption, ElSelect, ElTag];

/** Registers the frame's components on the app. */
export function registerElements(app: App): void {
  for (const component of COMPONENTS) app.use(component);
}
