import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router';
import { loadSession, session, type Role } from './lib/session.js';
import SignIn from './pages/SignIn.vue';
import Queue from './pages/Queue.vue';
import { QUEUES, homeOf } from './lib/queues.js';

const admin: Role[] = ['admin'];
const overseers: Role[] = ['dispatcher', 'supervisor', 'admin'];

const routes: RouteRecordRaw[] = [
  { path: '/', name: 'home', redirect: () => (session.info ? homeOf(session.info.role) : '/sign-in') },
  { path: '/sign-in', name: 'sign-in', component: SignIn, meta: { public: true } },
  { path: '/queue/:kind', name: 'queue', component: Queue, props: true, meta: { roles: undefined } },
  { path: '/cases/:caseNo', name: 'case', component: () => import('./pages/CasePage.vue'), props: true },
  { path: '/dashboard', name: 'dashboard', component: () => import('./pages/Dashboard.vue'), meta: { roles: overseers } },
  { path: '/map', name: 'map', component: () => import('./pages/ProcessMap.vue'), meta: { roles: overseers } },
  { path: '/rulings', name: 'rulings', component: () => import('./pages/Rulings.vue'), meta: { roles: overseers } },
  { path: '/strikes', name: 'strikes', component: () => import('./pages/Strikes.vue') },
  { path: '/admin/process-rules', name: 'process-rules', component: () => import('./pages/admin/ProcessRules.vue'), meta: { roles: admin } },
  { path: '/admin/units', name: 'units', component: () => import('./pages/admin/Units.vue'), meta: { roles: admin } },
  { path: '/admin/list', name: 'list', component: () => import('./pages/admin/ResponsibilityList.vue'), meta: { roles: admin } },
  { path: '/admin/calendar', name: 'calendar', component: () => import('./pages/admin/Calendar.vue'), meta: { roles: admin } },
  { path: '/admin/processes', name: 'processes', component: () => import('./pages/admin/Processes.vue'), meta: { roles: admin } },
  { path: '/admin/keys', name: 'keys', component: () => import('./pages/admin/ApiKeys.vue'), meta: { roles: admin } },
  { path: '/:rest(.*)*', redirect: '/' },
];

export const router = createRouter({ history: createWebHistory('/app/'), routes });

router.beforeEach(async (to) => {
  if (!session.checked) await loadSession().catch(() => null);
  if (to.meta.public) return session.info && to.name === 'sign-in' ? homeOf(session.info.role) : true;
  if (!session.info) return { name: 'sign-in', query: to.fullPath === '/' ? {} : { next: to.fullPath } };
  const roles = to.meta.roles as Role[] | undefined;
  if (roles && !roles.includes(session.info.role)) return homeOf(session.info.role);
  if (to.name === 'queue' && !QUEUES[String(to.params.kind)]?.roles.includes(session.info.role)) return homeOf(session.info.role);
  return true;
});
