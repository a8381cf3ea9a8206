// Root causes (ISO 10002 clause 8.2): GET/POST /api/v1/root-causes, GET/PUT
// /api/v1/root-causes/{id}. The list and "Record a root cause"; one root cause with its method,
// five whys, the complaints it is linked to (links to #/complaints/REF) and its corrective and
// preventive actions, and a form to change it (link more complaints).
import { get, post, api } from './api.js';
import { h, announce, humanize, formatDateTime, definitionList, tableWrap } from './dom.js';
import { buildForm } from './forms.js';
import { CAUSES, CAUSE_LABEL, METHODS, METHOD_LABEL } from './learning-util.js';

export async function render(view, ctx, id) {
  if (id) return one(view, ctx, id);
  return list(view, ctx);
}

// The form's fields, prefilled from a root cause when changing it.
function fields(rc = {}) {
  return [
    { name: 'title', label: 'Title', required: true, maxlength: 200, value: rc.title, hint: 'e.g. The fee batch ran twice' },
    { name: 'method', label: 'Method', type: 'select', required: true, value: rc.method || 'five_whys', options: METHODS },
    { name: 'category', label: 'Cause category (fishbone)', type: 'select', blank: 'Not set', value: rc.category || '', options: CAUSES },
    { name: 'whys', label: 'Five whys', type: 'lines', rows: 5, value: (rc.whys || []).join('\n'),
      hint: 'One answer a line: why did it happen, then why did that happen, …' },
    { name: 'description', label: 'Description', type: 'textarea', rows: 4, maxlength: 20000, value: rc.description },
    { name: 'complaints', label: 'Linked complaints', type: 'list', value: (rc.complaints || []).join(', '),
      hint: 'References separated by commas or spaces, e.g. CMP-2026-000123-X. One complaint, or many for a systemic issue.' },
  ];
}

function bodyOf(v) {
  return {
    title: v.title,
    method: v.method,
    ...(v.category ? { category: v.category } : {}),
    whys: v.whys || [],
    description: v.description || '',
    complaints: v.complaints || [],
  };
}

async function list(view, ctx) {
  const data = await get('/root-causes');
  const items = [...(data.root_causes || [])].sort((a, b) => b.id - a.id);
  view.append(h('h1', {}, 'Root causes'),
    h('p', { class: 'hint' }, 'Why complaints happened, found by five whys or a fishbone, and the complaints each explains.'));
  view.append(items.length ? tableWrap(h('table', { class: 'root-causes-table' },
    h('caption', {}, `${items.length} root cause${items.length === 1 ? '' : 's'}`),
    h('thead', {}, h('tr', {}, ['Title', 'Method', 'Category', 'Complaints', 'Recorded by', 'Updated'].map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, items.map((rc) => h('tr', { dataset: { rootCause: rc.id } },
      h('th', { scope: 'row' }, h('a', { href: `#/root-causes/${rc.id}` }, rc.title)),
      h('td', {}, METHOD_LABEL[rc.method] || humanize(rc.method)),
      h('td', {}, CAUSE_LABEL[rc.category] || ''),
      h('td', {}, String((rc.complaints || []).length)),
      h('td', {}, rc.created_by || ''),
      h('td', {}, formatDateTime(rc.updated_at)))))), 'Root causes table')
    : h('p', {}, 'No root causes recorded yet.'));

  if (ctx.may('POST', '/api/v1/root-causes')) {
    const form = buildForm({
      title: 'Record a root cause',
      intro: ctx.may('GET', '/api/v1/analytics/dashboard') ? undefined
        : 'You can link the complaints you investigate.',
      fields: fields(),
      submitLabel: 'Record root cause',
      className: 'root-cause-form',
      onSubmit: async (v) => {
        const saved = await post('/root-causes', bodyOf(v));
        announce(`Root cause “${saved.title}” recorded.`);
        ctx.navigate(`#/root-causes/${saved.id}`);
      },
    });
    view.append(h('section', { 'aria-label': 'Record a root cause' }, form.form));
  }
  return 'Root causes';
}

async function one(view, ctx, id) {
  const rc = await get(`/root-causes/${encodeURIComponent(id)}`);
  let actions = [];
  if (ctx.may('GET', '/api/v1/actions')) {
    actions = ((await get('/actions')).actions || []).filter((a) => a.root_cause_id === rc.id);
  }
  view.append(
    h('p', { class: 'breadcrumb' }, h('a', { href: '#/root-causes' }, '← All root causes')),
    h('h1', {}, 'Root cause: ', rc.title),
    definitionList([
      ['Method', METHOD_LABEL[rc.method] || humanize(rc.method)],
      ['Cause category', CAUSE_LABEL[rc.category] || 'Not set'],
      ['Description', rc.description],
      ['Recorded by', rc.created_by],
      ['Recorded', formatDateTime(rc.created_at)],
      ['Updated', formatDateTime(rc.updated_at)],
    ]));
  if ((rc.whys || []).length) {
    view.append(h('section', { 'aria-labelledby': 'whys-h' }, h('h2', { id: 'whys-h' }, 'Five whys'),
      h('ol', { class: 'whys' }, rc.whys.map((w) => h('li', {}, w)))));
  }

  // The linked complaints, with their state and product where the caller may see them.
  const linked = rc.complaints || [];
  const details = await Promise.all(linked.slice(0, 100).map((ref) =>
    get(`/complaints/${encodeURIComponent(ref)}`).catch(() => null)));
  view.append(h('section', { 'aria-labelledby': 'linked-h' },
    h('h2', { id: 'linked-h' }, `Linked complaints (${linked.length})`),
    linked.length ? h('ul', { class: 'linked-complaints' }, linked.map((ref, i) => {
      const c = details[i];
      return h('li', {}, h('a', { href: `#/complaints/${encodeURIComponent(ref)}`, class: 'reference' }, ref),
        c ? ` — ${humanize(c.state)}${c.subject?.product ? `, ${c.subject.product}` : ''}${c.assessment?.category ? `, ${c.assessment.category}` : ''}` : '');
    })) : h('p', {}, 'No complaints linked.')));

  if (ctx.may('GET', '/api/v1/actions')) {
    view.append(h('section', { 'aria-labelledby': 'rc-actions-h' },
      h('h2', { id: 'rc-actions-h' }, 'Corrective and preventive actions'),
      actions.length ? h('ul', {}, actions.map((a) => h('li', {},
        h('a', { href: `#/corrective-actions/${a.id}` }, a.title), ` — ${humanize(a.kind)}, ${humanize(a.status)}, due ${a.due}`,
        a.attention ? [' ', h('span', { class: 'badge badge-overdue' }, `Needs attention: ${a.attention}`)] : null)))
        : h('p', {}, 'No actions yet.'),
      ctx.may('POST', '/api/v1/actions')
        ? h('p', {}, h('a', { href: `#/corrective-actions?root_cause=${rc.id}` }, 'Plan an action for this root cause')) : null));
  }

  if (ctx.may('PUT', '/api/v1/root-causes/{id}')) {
    const form = buildForm({
      title: 'Change this root cause',
      intro: 'Linking a complaint records it on the complaint’s history.',
      fields: fields(rc),
      submitLabel: 'Save changes',
      className: 'root-cause-edit-form',
      onSubmit: async (v) => {
        await api('PUT', `/root-causes/${rc.id}`, bodyOf(v));
        announce('Root cause saved.');
        await ctx.refresh();
      },
    });
    view.append(h('section', { 'aria-label': 'Change this root cause' }, form.form));
  }
  return `Root cause ${rc.title}`;
}
