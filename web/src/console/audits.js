// Internal audit (ISO 10002 clause 8.5): GET/POST /api/v1/audits, GET /api/v1/audits/{id},
// PUT /api/v1/audits/{id}/items/{reference}. An auditor draws a random sample of the complaints
// closed in a period; each sampled complaint is shown with its automatic checks (pass or fail,
// in words) and a form to record the finding (severity and note).
import { get, post, api } from './api.js';
import { h, announce, humanize, formatDateTime, definitionList, tableWrap } from './dom.js';
import { buildForm } from './forms.js';
import { isoDay } from './learning-util.js';

const SEVERITIES = [['none', 'None'], ['minor', 'Minor'], ['major', 'Major'], ['critical', 'Critical']];
const SEVERITY_LABEL = Object.fromEntries(SEVERITIES);
const CHECK_LABEL = {
  acknowledged_on_time: 'Acknowledged on time',
  assessed: 'Assessed (category and severity)',
  decision_reasoned: 'Decision with reasons',
  referral_rights: 'Final response names the outside body',
  final_response_on_time: 'Final response on time',
  closed_with_outcome: 'Closed with a reason and cause',
  breaches_escalated: 'Breaches escalated',
};

export async function render(view, ctx, id) {
  if (id) return one(view, ctx, id);
  return list(view, ctx);
}

const reviewed = (a) => (a.items || []).filter((i) => i.reviewed_at).length;
const failures = (a) => (a.items || []).reduce((n, i) => n + (i.checks || []).filter((c) => !c.passed).length, 0);

async function list(view, ctx) {
  const data = await get('/audits');
  const items = [...(data.audits || [])].sort((a, b) => b.id - a.id);
  view.append(h('h1', {}, 'Internal audits'),
    h('p', { class: 'hint' }, 'Random samples of closed complaints, each checked automatically against the policy and then reviewed by an auditor. An auditor is never given complaints they handled.'));

  if (ctx.may('POST', '/api/v1/audits')) {
    const form = buildForm({
      title: 'Draw a sample',
      intro: 'Complaints closed from the first day through the last (UTC days).',
      fields: [
        { name: 'from', label: 'Closed from', type: 'date', required: true, value: isoDay(-90) },
        { name: 'to', label: 'Closed to', type: 'date', required: true, value: isoDay(0) },
        { name: 'size', label: 'Sample size', type: 'integer', required: true, min: 1, max: 500, value: 20 },
        { name: 'seed', label: 'Seed (optional)', maxlength: 20, autocomplete: 'off',
          hint: 'Digits. The same seed over the same period draws the same sample; left empty, one is drawn and recorded.' },
      ],
      submitLabel: 'Draw the sample',
      className: 'audit-form',
      onSubmit: async (v) => {
        const a = await post('/audits', v);
        announce(`Sample drawn: ${a.items.length} complaint${a.items.length === 1 ? '' : 's'}.`);
        ctx.navigate(`#/audits/${a.id}`);
      },
    });
    view.append(h('section', { 'aria-label': 'Draw a sample' }, form.form));
  }

  view.append(h('h2', {}, 'Samples drawn'), items.length ? tableWrap(h('table', { class: 'audits-table' },
    h('caption', {}, `${items.length} sample${items.length === 1 ? '' : 's'}`),
    h('thead', {}, h('tr', {}, ['Sample', 'Drawn', 'Auditor', 'Closed in', 'Population', 'Sampled', 'Reviewed', 'Checks failed']
      .map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, items.map((a) => h('tr', { dataset: { audit: a.id } },
      h('th', { scope: 'row' }, h('a', { href: `#/audits/${a.id}` }, `Audit ${a.id}`)),
      h('td', {}, formatDateTime(a.created_at)),
      h('td', {}, a.auditor),
      h('td', {}, `${a.from} – ${a.to}`),
      h('td', {}, String(a.population)),
      h('td', {}, `${(a.items || []).length} of ${a.size} asked`),
      h('td', {}, `${reviewed(a)} of ${(a.items || []).length}`),
      h('td', {}, String(failures(a))))))), 'Audits table')
    : h('p', {}, 'No samples drawn yet.'));
  return 'Audits';
}

async function one(view, ctx, id) {
  const a = await get(`/audits/${encodeURIComponent(id)}`);
  const canRecord = ctx.may('PUT', '/api/v1/audits/{id}/items/{reference}');
  const n = (a.items || []).length;
  view.append(
    h('p', { class: 'breadcrumb' }, h('a', { href: '#/audits' }, '← All audits')),
    h('h1', {}, `Audit ${a.id}`),
    definitionList([
      ['Auditor', a.auditor],
      ['Drawn', formatDateTime(a.created_at)],
      ['Complaints closed', `${a.from} – ${a.to}`],
      ['Population', `${a.population} closed complaint${a.population === 1 ? '' : 's'} the auditor did not handle`],
      ['Sample', `${n} of ${a.size} asked`],
      ['Seed', a.seed],
      ['Reviewed', `${reviewed(a)} of ${n}`],
    ]));
  if (!n) {
    view.append(h('p', {}, 'No complaint was closed in this period that the auditor did not handle: the sample is empty.'));
    return `Audit ${a.id}`;
  }
  for (const item of a.items) {
    const slug = item.reference.replace(/[^A-Za-z0-9-]/g, '');
    const failed = (item.checks || []).filter((c) => !c.passed).length;
    const section = h('section', { class: 'audit-item', 'aria-labelledby': `item-${slug}`, dataset: { reference: item.reference } },
      h('h2', { id: `item-${slug}`, tabindex: '-1' }, h('a', { href: `#/complaints/${encodeURIComponent(item.reference)}`, class: 'reference' }, item.reference),
        h('span', { class: ['badge', failed ? 'badge-overdue' : 'badge-pass'] }, failed ? `${failed} check${failed === 1 ? '' : 's'} failed` : 'All checks passed')),
      tableWrap(h('table', { class: 'checks-table' },
        h('caption', {}, `Automatic checks of ${item.reference}`),
        h('thead', {}, h('tr', {}, ['Check', 'Result', 'Detail'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, (item.checks || []).map((c) => h('tr', { class: c.passed ? undefined : 'row-overdue', dataset: { check: c.name } },
          h('th', { scope: 'row' }, CHECK_LABEL[c.name] || humanize(c.name)),
          h('td', {}, h('span', { class: ['result', c.passed ? 'result-pass' : 'result-fail'] }, c.passed ? 'Pass' : 'Fail')),
          h('td', {}, c.detail || ''))))), `Checks of ${item.reference}`),
      h('h3', {}, 'Finding'),
      item.reviewed_at
        ? definitionList([
          ['Severity', SEVERITY_LABEL[item.severity] || humanize(item.severity)],
          ['Note', item.note || '—'],
          ['Recorded by', item.reviewed_by],
          ['Recorded', formatDateTime(item.reviewed_at)],
        ], 'details finding')
        : h('p', { class: 'finding' }, 'No finding recorded yet.'));
    if (canRecord) {
      const form = buildForm({
        title: item.reviewed_at ? `Change the finding on ${item.reference}` : `Record a finding on ${item.reference}`,
        fields: [
          { name: 'severity', label: 'Severity', type: 'select', required: true, value: item.severity || 'none', options: SEVERITIES },
          { name: 'note', label: 'Note', type: 'textarea', maxlength: 4000, value: item.note },
        ],
        submitLabel: 'Save finding',
        className: 'finding-form',
        onSubmit: async (v) => {
          await api('PUT', `/audits/${a.id}/items/${encodeURIComponent(item.reference)}`, { severity: v.severity, note: v.note || '' });
          announce(`Finding on ${item.reference} saved.`);
          await ctx.refresh();
          // Back to the complaint whose finding was saved, not the top of the page.
          document.getElementById(`item-${slug}`)?.focus();
        },
      });
      section.append(form.form);
    }
    view.append(section);
  }
  return `Audit ${a.id}`;
}
