// The staff console: a single-page app with hash routes, talking to /api/v1 with the session
// cookie (see docs/web-console.md).
//
//   #/queue[?filters]           the complaint queue
//   #/complaints/REFERENCE      one complaint
//   #/dashboard                 charts
//   #/analytics[?filters]       clause 8 analytics, known events
//   #/root-causes[/ID]          root causes
//   #/corrective-actions[/ID]   corrective and preventive actions
//   #/audits[/ID]               internal audit samples
//   #/review[?from&to]          the management review report
//   #/admin/users | /admin/roles | /admin/policies
import './console.css';
import { api, get, logout, setCsrfToken, ApiError } from './api.js';
import { h, clear } from './dom.js';

const main = document.getElementById('main');
const state = { me: null, permissions: new Set() };

// What the signed-in user's role may call, from GET /api/v1/roles ("GET /api/v1/complaints").
export function may(method, pattern) {
  return state.permissions.has(`${method} ${pattern}`);
}

const NAV = [
  { href: '#/queue', label: 'Queue', route: 'queue', show: () => may('GET', '/api/v1/complaints') },
  { href: '#/dashboard', label: 'Dashboard', route: 'dashboard', show: () => may('GET', '/api/v1/dashboard') },
  { href: '#/analytics', label: 'Analytics', route: 'analytics', show: () => may('GET', '/api/v1/analytics/dashboard') },
  { href: '#/root-causes', label: 'Root causes', route: 'root-causes', show: () => may('GET', '/api/v1/root-causes') },
  { href: '#/corrective-actions', label: 'Actions', route: 'corrective-actions', show: () => may('GET', '/api/v1/actions') },
  { href: '#/audits', label: 'Audits', route: 'audits', show: () => may('GET', '/api/v1/audits') },
  { href: '#/review', label: 'Review', route: 'review', show: () => may('GET', '/api/v1/reports/review') },
  { href: '#/admin/users', label: 'Users', route: 'admin/users', show: () => may('GET', '/api/v1/users') },
  { href: '#/admin/roles', label: 'Roles', route: 'admin/roles', show: () => true },
  { href: '#/admin/policies', label: 'Policies', route: 'admin/policies', show: () => true },
  { href: '#/admin/account', label: 'Account', route: 'admin/account', show: () => true },
];

function parseHash() {
  const raw = window.location.hash.replace(/^#\/?/, '');
  const [path, query = ''] = raw.split('?');
  return { path: decodeURIComponent(path || ''), query };
}

function defaultRoute() {
  const first = NAV.find((n) => n.show());
  return first ? first.href : '#/admin/roles';
}

let renderSeq = 0;
let firstRender = true;

async function render() {
  const { path, query } = parseHash();
  if (!path) {
    window.location.replace(defaultRoute());
    return;
  }
  const seq = ++renderSeq;
  // The nav entry of a page: the queue for a complaint, the list for one of its items.
  const navRoute = path.startsWith('complaints/') ? 'queue'
    : path.startsWith('admin/') ? path : path.split('/')[0];
  for (const a of document.querySelectorAll('#nav-list a')) {
    if (a.dataset.route === navRoute) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const view = h('div', { class: 'view' });
  const ctx = {
    me: state.me,
    may,
    query,
    isCurrent: () => seq === renderSeq,
    navigate: (hash) => { window.location.hash = hash; },
    refresh: () => render(),
  };
  try {
    let mod;
    let args;
    if (path === 'queue') {
      mod = await import('./queue.js');
    } else if (path.startsWith('complaints/')) {
      mod = await import('./complaint.js');
      args = path.slice('complaints/'.length);
    } else if (path === 'dashboard') {
      mod = await import('./dashboard.js');
    } else if (path === 'analytics') {
      mod = await import('./analytics.js');
    } else if (path === 'root-causes' || path.startsWith('root-causes/')) {
      mod = await import('./root-causes.js');
      args = path.slice('root-causes/'.length) || undefined;
    } else if (path === 'corrective-actions' || path.startsWith('corrective-actions/')) {
      mod = await import('./corrective-actions.js');
      args = path.slice('corrective-actions/'.length) || undefined;
    } else if (path === 'audits' || path.startsWith('audits/')) {
      mod = await import('./audits.js');
      args = path.slice('audits/'.length) || undefined;
    } else if (path === 'review') {
      mod = await import('./review.js');
    } else if (path.startsWith('admin/')) {
      mod = await import('./admin.js');
      args = path.slice('admin/'.length);
    }
    if (!mod) {
      view.append(h('h1', { tabindex: '-1' }, 'Page not found'),
        h('p', {}, 'There is no such page in the console. ', h('a', { href: defaultRoute() }, 'Go to the start page.')));
      document.title = 'Not found · Redress console';
    } else {
      const title = await mod.render(view, ctx, args);
      if (!ctx.isCurrent()) return;
      document.title = `${title || 'Console'} · Redress console`;
    }
  } catch (err) {
    if (!ctx.isCurrent()) return;
    clear(view);
    const heading = !(err instanceof ApiError) ? 'Something went wrong'
      : err.status === 404 ? 'Not found' : err.status === 403 ? 'Not allowed' : 'Something went wrong';
    view.append(h('h1', { tabindex: '-1' }, heading),
      h('div', { class: 'alert', role: 'alert' }, h('p', {}, err.message)));
    document.title = 'Error · Redress console';
  }
  if (!ctx.isCurrent()) return;
  if (state.me.must_change_password && path !== 'admin/account') {
    view.prepend(h('div', { class: 'notice', role: 'status' },
      h('p', {}, 'Your password was set by an administrator. ', h('a', { href: '#/admin/account' }, 'Change it now'), '.')));
  }
  main.replaceChildren(view);
  // After navigating, the page's heading takes the focus so screen readers announce it; on
  // the first load the focus stays where the browser put it.
  const heading = view.querySelector('h1');
  if (heading) {
    heading.setAttribute('tabindex', '-1');
    if (!firstRender) heading.focus();
  }
  firstRender = false;
}

async function start() {
  document.querySelector('[data-skip]')?.addEventListener('click', (event) => {
    // The hash is the router's: move the focus without touching it.
    event.preventDefault();
    main.focus();
  });
  document.getElementById('logout').addEventListener('click', () => logout());
  try {
    state.me = await api('GET', '/me');
  } catch (err) {
    main.replaceChildren(h('div', { class: 'alert', role: 'alert' }, h('p', {}, err.message)));
    return;
  }
  setCsrfToken(state.me.csrf_token);
  try {
    const roles = await get('/roles');
    const mine = (Array.isArray(roles) ? roles : roles.items || []).find((r) => r.role === state.me.role);
    state.permissions = new Set(mine ? mine.permissions : []);
  } catch {
    state.permissions = new Set();
  }
  document.getElementById('who-name').textContent =
    `${state.me.display_name || state.me.username} (${state.me.role})`;
  const list = document.getElementById('nav-list');
  list.replaceChildren(...NAV.filter((n) => n.show()).map((n) =>
    h('li', {}, h('a', { href: n.href, dataset: { route: n.route } }, n.label))));
  document.querySelector('.brand a').setAttribute('href', defaultRoute());
  window.addEventListener('hashchange', render);
  await render();
}

start();
