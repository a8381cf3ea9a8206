// Administration: users (GET/POST /api/v1/users, POST .../disable|enable), roles (GET
// /api/v1/roles, read-only) and policies (GET /api/v1/policies, read-only).
import { get, post } from './api.js';
import { h, announce, humanize, formatDateTime, definitionList, tableWrap } from './dom.js';
import { buildForm } from './forms.js';

const ROLES = ['handler', 'investigator', 'manager', 'auditor', 'admin'];

export async function render(view, ctx, page) {
  if (page === 'users') return users(view, ctx);
  if (page === 'roles') return roles(view);
  if (page === 'policies') return policies(view);
  if (page === 'account') return account(view, ctx);
  view.append(h('h1', {}, 'Not found'), h('p', {}, 'No such administration page.'));
  return 'Not found';
}

async function users(view, ctx) {
  const data = await get('/users');
  const list = data.items || data;
  const canChange = ctx.may('POST', '/api/v1/users/{username}/disable');
  view.append(h('h1', {}, 'Users'));
  const status = h('div', { class: 'alert', role: 'alert', hidden: true });
  const rows = list.map((u) => {
    const toggle = canChange && u.username !== ctx.me.username
      ? h('button', { type: 'button', class: ['secondary', 'small', !u.disabled && 'danger'], dataset: { user: u.username },
        'aria-label': `${u.disabled ? 'Enable' : 'Disable'} ${u.username}`,
        onclick: async () => {
          status.hidden = true;
          try {
            await post(`/users/${encodeURIComponent(u.username)}/${u.disabled ? 'enable' : 'disable'}`, {});
            announce(`${u.username} ${u.disabled ? 'enabled' : 'disabled'}.`);
            await ctx.refresh();
          } catch (err) {
            status.replaceChildren(h('p', {}, err.message));
            status.hidden = false;
          }
        } }, u.disabled ? 'Enable' : 'Disable')
      : '';
    return h('tr', { class: u.disabled ? 'row-disabled' : undefined },
      h('th', { scope: 'row' }, u.username),
      h('td', {}, u.display_name || ''),
      h('td', {}, humanize(u.role)),
      h('td', {}, u.disabled ? 'Disabled' : 'Active', u.must_change_password ? ' (must change password)' : ''),
      h('td', {}, formatDateTime(u.created_at)),
      canChange ? h('td', {}, toggle) : null);
  });
  view.append(status, tableWrap(h('table', {},
    h('caption', {}, `${list.length} user${list.length === 1 ? '' : 's'}`),
    h('thead', {}, h('tr', {}, ['Username', 'Name', 'Role', 'Status', 'Created', canChange ? 'Change' : null]
      .filter(Boolean).map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, rows)), 'Users table'));

  if (ctx.may('POST', '/api/v1/users')) {
    const form = buildForm({
      title: 'Add a user',
      intro: 'The new user must change the password at first sign-in.',
      fields: [
        { name: 'username', label: 'Username', required: true, maxlength: 64, autocomplete: 'off', hint: 'Letters, digits, dot, hyphen, underscore.' },
        { name: 'display_name', label: 'Display name', maxlength: 200, autocomplete: 'off' },
        { name: 'role', label: 'Role', type: 'select', required: true, blank: 'Choose…', options: ROLES.map((r) => [r, humanize(r)]) },
        { name: 'password', label: 'Initial password', type: 'password', required: true, maxlength: 1024, autocomplete: 'new-password', hint: '12 characters or more.' },
      ],
      submitLabel: 'Add user',
      className: 'user-form',
      onSubmit: async (body) => {
        await post('/users', body);
        announce(`User ${body.username} added.`);
        await ctx.refresh();
      },
    });
    view.append(h('section', { 'aria-label': 'Add a user' }, form.form));
  }
  return 'Users';
}

async function roles(view) {
  const data = await get('/roles');
  const list = Array.isArray(data) ? data : data.items || [];
  view.append(h('h1', {}, 'Roles'), h('p', { class: 'hint' }, 'What each role may call. Roles are fixed; this page is read-only.'));
  for (const r of list) {
    view.append(h('section', { class: 'role', 'aria-labelledby': `role-${r.role}` },
      h('h2', { id: `role-${r.role}` }, humanize(r.role)),
      h('p', {}, r.description || ''),
      h('details', {}, h('summary', {}, `${(r.permissions || []).length} permitted routes`),
        h('ul', { class: 'permissions' }, (r.permissions || []).map((p) => h('li', {}, h('code', {}, p)))))));
  }
  return 'Roles';
}

async function policies(view) {
  const data = await get('/policies');
  const list = data.items || [];
  view.append(h('h1', {}, 'Policies'),
    h('p', { class: 'hint' }, 'The regimes loaded from the policies directory and their time limits; read-only.'));
  for (const p of list) {
    const isDefault = p.id === data.default;
    view.append(h('section', { class: 'policy', 'aria-labelledby': `policy-${p.id}` },
      h('h2', { id: `policy-${p.id}` }, p.name || p.id, isDefault ? h('span', { class: 'badge' }, 'Default') : null),
      definitionList([
        ['Id', p.id], ['Regime', p.regime], ['Effective from', p.effective_from], ['Time zone', p.time_zone],
        ['Clocks may pause', p.pause_allowed === undefined ? '' : (p.pause_allowed ? 'Yes' : 'No')],
        ['Warning at', p.warn_fraction ? `${Math.round(p.warn_fraction * 100)}% of the time` : ''],
        ['Ombudsman', p.ombudsman?.name ? `${p.ombudsman.name}${p.ombudsman.time_limit ? ` (${p.ombudsman.time_limit})` : ''}` : ''],
      ]),
      tableWrap(h('table', {},
        h('caption', {}, `Targets of ${p.name || p.id}`),
        h('thead', {}, h('tr', {}, ['Clock', 'Applies when', 'Counted from', 'Limit', 'Source'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, (p.clocks || []).map((k) => h('tr', {},
          h('th', { scope: 'row' }, humanize(k.name)),
          h('td', {}, k.when_flag ? `flag ${k.when_flag}` : 'always'),
          h('td', {}, humanize(k.anchor)),
          h('td', {}, `${k.count ?? ''} ${humanize(k.unit).toLowerCase()}`),
          h('td', {}, k.citation || ''))))), `Targets of ${p.name || p.id}`)));
  }
  return 'Policies';
}

async function account(view, ctx) {
  view.append(h('h1', {}, 'Your account'),
    definitionList([['Username', ctx.me.username], ['Name', ctx.me.display_name], ['Role', humanize(ctx.me.role)]]));
  const done = h('div', { class: 'notice', role: 'status', hidden: true });
  const form = buildForm({
    title: 'Change your password',
    fields: [
      { name: 'current_password', label: 'Current password', type: 'password', required: true, maxlength: 1024, autocomplete: 'current-password' },
      { name: 'new_password', label: 'New password', type: 'password', required: true, maxlength: 1024, autocomplete: 'new-password', hint: '12 characters or more.' },
    ],
    submitLabel: 'Change password',
    className: 'password-form',
    onSubmit: async (body, f) => {
      await post('/me/password', body);
      ctx.me.must_change_password = false;
      f.form.reset();
      done.replaceChildren(h('p', {}, 'Your password has been changed.'));
      done.hidden = false;
      announce('Password changed.');
    },
  });
  view.append(done, form.form);
  return 'Your account';
}
