// Corrective and preventive actions (ISO 10002 clause 8.7): GET/POST /api/v1/actions,
// GET/PUT /api/v1/actions/{id}, POST /api/v1/actions/{id}/check. The list, with "Needs
// attention only" in the route (#/corrective-actions?attention=true); "Plan an action"; one
// action with its effectiveness check in words, its recorded result, "Run the check now" and a
// form to change it.
import { get, post, api } from './api.js';
import { h, announce, humanize, formatDateTime, definitionList, tableWrap } from './dom.js';
import { buildForm } from './forms.js';
import { DIMENSIONS, DIMENSION_LABEL, isoDay, num, pct, problemBox, showProblem, go } from './learning-util.js';

const KINDS = [['corrective', 'Corrective'], ['preventive', 'Preventive']];
const STATUSES = [['planned', 'Planned'], ['in_progress', 'In progress'], ['done', 'Done'], ['cancelled', 'Cancelled']];
const STATUS_LABEL = Object.fromEntries(STATUSES);
const MEASURES = [
  ['volume', 'Complaints received (volume)'],
  ['upheld_rate', 'Upheld rate (upheld or partly upheld ÷ decided)'],
  ['final_on_time', 'Final response on time (rate)'],
  ['satisfaction', 'Satisfaction with the handling (mean, 1–5)'],
];
const MEASURE_WORDS = {
  volume: 'complaints received', upheld_rate: 'the upheld rate', final_on_time: 'the final response on-time rate',
  satisfaction: 'the mean satisfaction with the handling',
};
const WINDOWS = [['month', 'The 30 days before the check date'], ['week', 'The week (7 days) before the check date']];
const ATTENTION = { overdue: 'Overdue', ineffective: 'Not effective', 'check due': 'Check due' };
const ATTENTION_HELP = {
  overdue: 'the due date has passed and the action is not done',
  ineffective: 'its effectiveness check failed',
  'check due': 'the check date has passed and the check has not been run',
};

export async function render(view, ctx, id) {
  if (id) return one(view, ctx, id);
  return list(view, ctx);
}

export function attentionBadge(a) {
  if (!a.attention) return null;
  return h('span', { class: ['badge', a.attention === 'check due' ? 'badge-soon' : 'badge-overdue'],
    title: ATTENTION_HELP[a.attention] }, ATTENTION[a.attention] || humanize(a.attention));
}

// The value of a measure in words: a rate as a percentage, satisfaction out of 5.
function measureValue(measure, v) {
  if (v === null || v === undefined) return 'no data';
  if (measure === 'volume') return `${num(v, 0)} complaint${v === 1 ? '' : 's'}`;
  if (measure === 'satisfaction') return `${num(v, 2)} of 5`;
  return `${pct(v)} (${num(v, 3)})`;
}

// "complaints received where product = Credit card, over the 30 days before 2026-09-01;
// effective when below 10"
export function checkInWords(c) {
  const where = Object.entries(c.where || {}).map(([k, v]) => `${(DIMENSION_LABEL[k] || k).toLowerCase()} = ${v}`);
  return `${humanize(MEASURE_WORDS[c.measure] || c.measure)}${where.length ? ` where ${where.join(' and ')}` : ''}, `
    + `over the ${c.window === 'week' ? 'week' : '30 days'} before ${c.check_on}; effective when `
    + `${c.below ? 'below' : 'at or above'} ${measureValue(c.measure, c.threshold)}`;
}

export function resultInWords(c) {
  if (!c.evaluated_at) return 'Not yet evaluated';
  if (c.effective === null || c.effective === undefined) return `No data: the measure could not be computed (checked ${formatDateTime(c.evaluated_at)})`;
  return `${c.effective ? 'Effective' : 'Not effective'}: measured ${measureValue(c.measure, c.measured)} (checked ${formatDateTime(c.evaluated_at)})`;
}

function fields(a, causes, users, presetCause) {
  const c = a.check || {};
  const where = Object.entries(c.where || {});
  const dims = DIMENSIONS;
  const whereFields = [0, 1].flatMap((i) => [
    { name: `where${i}_dim`, label: `Filter ${i + 1}: dimension`, type: 'select', blank: 'None', options: dims, value: where[i]?.[0] || '' },
    { name: `where${i}_value`, label: `Filter ${i + 1}: value`, maxlength: 200, value: where[i]?.[1] || '',
      pointers: i === 0 ? ['/check/where', ...dims.map(([k]) => `/check/where/${k}`)] : [] },
  ]);
  return [
    { name: 'root_cause_id', label: 'Root cause', type: 'select', required: true, blank: 'Choose…', number: true,
      value: a.root_cause_id || presetCause || '', options: causes.map((rc) => [String(rc.id), rc.title]) },
    { name: 'kind', label: 'Kind', type: 'select', required: true, value: a.kind || 'corrective', options: KINDS },
    { name: 'title', label: 'What will be done', required: true, maxlength: 200, value: a.title },
    { name: 'description', label: 'Details', type: 'textarea', maxlength: 20000, value: a.description },
    users.length
      ? { name: 'owner', label: 'Owner', type: 'select', required: true, blank: 'Choose…', value: a.owner || '',
        options: users.map((u) => [u.username, `${u.display_name || u.username} (${u.username}, ${u.role})`]) }
      : { name: 'owner', label: 'Owner (username)', required: true, maxlength: 64, value: a.owner, autocomplete: 'off' },
    { name: 'due', label: 'Due by', type: 'date', required: true, value: a.due },
    { name: 'status', label: 'Status', type: 'select', required: true, value: a.status || 'planned', options: STATUSES },
    { name: 'check.measure', label: 'Effectiveness check: measure', type: 'select', required: true, value: c.measure || 'volume', options: MEASURES },
    ...whereFields,
    { name: 'check.window', label: 'Over', type: 'select', required: true, value: c.window || 'month', options: WINDOWS },
    { name: 'check.below', label: 'Effective when the measure is', type: 'select', required: true,
      value: c.below === false ? 'at_or_above' : 'below', options: [['below', 'Below the threshold'], ['at_or_above', 'At or above the threshold']] },
    { name: 'check.threshold', label: 'Threshold', type: 'decimal', required: true, value: c.threshold ?? '',
      hint: 'A number of complaints for volume; a fraction for the rates (0.2 is 20%); a rating 1–5 for satisfaction.' },
    { name: 'check.check_on', label: 'Check on', type: 'date', required: true, value: c.check_on,
      hint: 'The check is run on this day (hourly by the service), over the window before it.' },
  ];
}

function bodyOf(v) {
  const where = {};
  for (const i of [0, 1]) {
    const dim = v[`where${i}_dim`];
    const value = v[`where${i}_value`];
    if (dim && value) where[dim] = value;
    else if (dim || value) throw new Error(`Filter ${i + 1}: give both the dimension and the value, or neither.`);
  }
  return {
    root_cause_id: v.root_cause_id,
    kind: v.kind,
    title: v.title,
    description: v.description || '',
    owner: v.owner,
    due: v.due,
    status: v.status,
    check: {
      measure: v.check.measure,
      where,
      window: v.check.window,
      below: v.check.below !== 'at_or_above',
      threshold: v.check.threshold,
      check_on: v.check.check_on,
    },
  };
}

async function formData(ctx) {
  const [causes, users] = await Promise.all([
    get('/root-causes').then((d) => d.root_causes || []),
    ctx.may('GET', '/api/v1/users')
      ? get('/users').then((d) => (d.items || d).filter((u) => !u.disabled)).catch(() => [])
      : Promise.resolve([]),
  ]);
  return { causes, users };
}

async function list(view, ctx) {
  const q = new URLSearchParams(ctx.query);
  const attentionOnly = q.get('attention') === 'true';
  const [data, causes] = await Promise.all([
    get(`/actions${attentionOnly ? '?attention=true' : ''}`),
    ctx.may('GET', '/api/v1/root-causes') ? get('/root-causes').then((d) => d.root_causes || []) : Promise.resolve([]),
  ]);
  const titleOf = new Map(causes.map((rc) => [rc.id, rc.title]));
  const items = [...(data.actions || [])].sort((a, b) => (a.due < b.due ? -1 : a.due > b.due ? 1 : a.id - b.id));

  view.append(h('h1', {}, 'Corrective and preventive actions'),
    h('p', { class: 'hint' }, 'What is being done about each root cause, and whether it worked: each action has an effectiveness check.'));
  const only = h('input', { id: 'attention-only', name: 'attention', type: 'checkbox', checked: attentionOnly });
  const filter = h('form', { class: 'filters row', role: 'search', 'aria-label': 'Filter actions', novalidate: true,
    onsubmit: (event) => {
      event.preventDefault();
      go(ctx, only.checked ? '#/corrective-actions?attention=true' : '#/corrective-actions');
    } },
  h('div', { class: 'field field-check' }, only, h('label', { for: 'attention-only' }, 'Needs attention only')),
  h('p', { class: 'hint', id: 'attention-hint' }, 'Overdue, not effective, or the check is due and not run.'),
  h('div', { class: 'buttons' }, h('button', { type: 'submit', class: 'secondary' }, 'Apply')));
  only.setAttribute('aria-describedby', 'attention-hint');
  view.append(filter, h('p', { class: 'result-status', role: 'status' },
    `${items.length} action${items.length === 1 ? '' : 's'}${attentionOnly ? ' needing attention' : ''}.`));

  if (items.length) {
    view.append(tableWrap(h('table', { class: 'actions-table' },
      h('caption', {}, attentionOnly ? 'Actions needing attention' : 'All actions'),
      h('thead', {}, h('tr', {}, ['Action', 'Kind', 'Root cause', 'Owner', 'Due', 'Status', 'Check', 'Attention']
        .map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, items.map((a) => h('tr', { class: a.attention === 'overdue' || a.attention === 'ineffective' ? 'row-overdue' : a.attention ? 'row-soon' : undefined,
        dataset: { action: a.id } },
      h('th', { scope: 'row' }, h('a', { href: `#/corrective-actions/${a.id}` }, a.title)),
      h('td', {}, humanize(a.kind)),
      h('td', {}, titleOf.has(a.root_cause_id) ? h('a', { href: `#/root-causes/${a.root_cause_id}` }, titleOf.get(a.root_cause_id)) : `#${a.root_cause_id}`),
      h('td', {}, a.owner),
      h('td', {}, a.due),
      h('td', {}, STATUS_LABEL[a.status] || humanize(a.status)),
      h('td', {}, resultInWords(a.check || {})),
      h('td', {}, attentionBadge(a) || h('span', { class: 'muted' }, 'None')))))), 'Actions table'));
  } else {
    view.append(h('p', {}, attentionOnly ? 'No action needs attention.' : 'No actions yet.'));
  }

  if (ctx.may('POST', '/api/v1/actions')) {
    const { causes: all, users } = await formData(ctx);
    const section = h('section', { 'aria-label': 'Plan an action' });
    if (!all.length) {
      section.append(h('h2', {}, 'Plan an action'),
        h('p', {}, 'An action belongs to a root cause: ', h('a', { href: '#/root-causes' }, 'record a root cause'), ' first.'));
    } else {
      const form = buildForm({
        title: 'Plan an action',
        intro: 'An action belongs to a root cause, has an owner and a due date, and an effectiveness check run on its check date.',
        fields: fields({ due: isoDay(30), check: { check_on: isoDay(90) } }, all, users, q.get('root_cause')),
        submitLabel: 'Save action',
        className: 'action-plan-form',
        onSubmit: async (v) => {
          const saved = await post('/actions', bodyOf(v));
          announce(`Action “${saved.title}” saved.`);
          ctx.navigate(`#/corrective-actions/${saved.id}`);
        },
      });
      section.append(form.form);
    }
    view.append(section);
  }
  return 'Actions';
}

async function one(view, ctx, id) {
  const a = await get(`/actions/${encodeURIComponent(id)}`);
  let causeTitle = `#${a.root_cause_id}`;
  try {
    causeTitle = (await get(`/root-causes/${a.root_cause_id}`)).title;
  } catch { /* shown by id */ }
  const c = a.check || {};
  view.append(
    h('p', { class: 'breadcrumb' }, h('a', { href: '#/corrective-actions' }, '← All actions')),
    h('h1', {}, 'Action: ', a.title),
    h('p', { class: 'summary-line' },
      h('span', { class: 'badge' }, STATUS_LABEL[a.status] || humanize(a.status)),
      attentionBadge(a),
      a.attention ? h('span', {}, `Needs attention: ${ATTENTION_HELP[a.attention] || a.attention}.`) : null),
    definitionList([
      ['Kind', humanize(a.kind)],
      ['Root cause', h('a', { href: `#/root-causes/${a.root_cause_id}` }, causeTitle)],
      ['Details', a.description],
      ['Owner', a.owner],
      ['Due by', a.due],
      ['Done', formatDateTime(a.done_at)],
      ['Planned by', a.created_by],
      ['Updated', formatDateTime(a.updated_at)],
    ]));

  const result = h('div', { class: 'check-result', id: 'check-result' });
  const problem = problemBox();
  const drawResult = (check) => {
    result.replaceChildren(definitionList([
      ['Check', checkInWords(check)],
      ['Result', resultInWords(check)],
    ]));
  };
  drawResult(c);
  const section = h('section', { 'aria-labelledby': 'check-h' },
    h('h2', { id: 'check-h' }, 'Effectiveness check'), result, problem);
  if (ctx.may('POST', '/api/v1/actions/{id}/check')) {
    const run = h('button', { type: 'button', class: 'secondary', onclick: async () => {
      problem.hidden = true;
      run.disabled = true;
      try {
        const updated = await post(`/actions/${a.id}/check`);
        drawResult(updated.check || {});
        announce(`Check run. ${resultInWords(updated.check || {})}.`);
      } catch (err) {
        showProblem(problem, err);
        problem.focus();
      } finally {
        run.disabled = false;
      }
    } }, 'Run the check now');
    section.append(h('p', { class: 'hint' }, 'Computes the measure from the data now and records the result (the service also runs it on the check date).'),
      h('div', { class: 'buttons' }, run));
  }
  view.append(section);

  if (ctx.may('PUT', '/api/v1/actions/{id}')) {
    const { causes, users } = await formData(ctx);
    const form = buildForm({
      title: 'Change this action',
      intro: 'Changing the check clears its recorded result; changing anything else keeps it.',
      fields: fields(a, causes, users),
      submitLabel: 'Save changes',
      className: 'action-edit-form',
      onSubmit: async (v) => {
        await api('PUT', `/actions/${a.id}`, bodyOf(v));
        announce('Action saved.');
        await ctx.refresh();
      },
    });
    view.append(h('section', { 'aria-label': 'Change this action' }, form.form));
  }
  return `Action ${a.title}`;
}
