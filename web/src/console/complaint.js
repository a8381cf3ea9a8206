// One complaint: GET /api/v1/complaints/{ref} (the record with timeline, notes, attachments,
// my_actions and my_operations). The action buttons are exactly the caller's my_actions (and
// the assign/escalate operations of my_operations); each opens its form, whose problem
// details from the API are shown next to the fields.
import { api, get, post, ApiError } from './api.js';
import { h, clear, announce, humanize, formatDate, formatDateTime, formatMoney, definitionList, tableWrap } from './dom.js';
import { buildForm } from './forms.js';
import { ACTIONS, SECTION_OPERATIONS } from './actions.js';
import { urgency } from './queue.js';

const REMEDY_TYPES = ['apology', 'explanation', 'refund', 'repair', 'replacement', 'goodwill payment', 'compensation', 'service change'];
const MIME_BY_EXT = {
  pdf: 'application/pdf', png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif',
  txt: 'text/plain', docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
};

export async function render(view, ctx, ref) {
  const reference = decodeURIComponent(ref);
  const c = await get(`/complaints/${encodeURIComponent(reference)}`);
  const mine = new Set([...(c.my_actions || []), ...(c.my_operations || [])]);

  const u = urgency(c);
  view.append(
    h('p', { class: 'breadcrumb' }, h('a', { href: '#/queue' }, '← Back to the queue')),
    h('h1', {}, 'Complaint ', h('span', { class: 'reference' }, c.reference)),
    h('p', { class: 'summary-line' },
      h('span', { class: `badge state state-${c.state}` }, humanize(c.state)),
      c.priority ? h('span', { class: 'badge' }, `Priority ${c.priority}`) : null,
      c.escalated ? h('span', { class: 'badge badge-soon' }, 'Escalated') : null,
      u === 'overdue' ? h('span', { class: 'badge badge-overdue' }, 'Overdue') : null,
      u === 'soon' ? h('span', { class: 'badge badge-soon' }, 'Due within 2 days') : null,
      c.due ? h('span', {}, `Due ${formatDateTime(c.due)}`) : null));

  // --- Actions ---
  const buttons = Object.keys(ACTIONS).filter((name) => mine.has(name));
  const panel = h('div', { class: 'action-panel' });
  const actionBar = h('section', { class: 'actions', 'aria-labelledby': 'actions-h' },
    h('h2', { id: 'actions-h' }, 'Actions'));
  if (buttons.length === 0) {
    actionBar.append(h('p', { class: 'hint' }, 'There is nothing you can do on this complaint in its current state.'));
  } else {
    actionBar.append(h('div', { class: 'buttons action-buttons' }, buttons.map((name) =>
      h('button', { type: 'button', class: 'secondary', dataset: { action: name }, 'aria-expanded': 'false',
        'aria-controls': 'action-panel', onclick: (event) => openAction(name, event.currentTarget) }, ACTIONS[name].label))));
  }
  panel.id = 'action-panel';
  actionBar.append(panel,
    h('datalist', { id: 'remedy-types' }, REMEDY_TYPES.map((t) => h('option', { value: t }))),
    h('datalist', { id: 'category-suggestions' }, c.assessment?.category ? h('option', { value: c.assessment.category }) : null));

  function openAction(name, button) {
    const spec = ACTIONS[name];
    for (const b of actionBar.querySelectorAll('[data-action]')) b.setAttribute('aria-expanded', String(b === button));
    const form = buildForm({
      title: spec.label,
      intro: spec.intro,
      fields: spec.fields(c, ctx.me),
      submitLabel: spec.label,
      className: `action-form action-${name}`,
      onCancel: () => { clear(panel); button.setAttribute('aria-expanded', 'false'); button.focus(); },
      onSubmit: async (body) => {
        await post(`/complaints/${encodeURIComponent(c.reference)}/${spec.path || name}`, body);
        announce(`${spec.label}: done.`);
        await ctx.refresh();
      },
    });
    // Escape closes the form, like Cancel.
    form.form.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') {
        clear(panel);
        button.setAttribute('aria-expanded', 'false');
        button.focus();
      }
    });
    panel.replaceChildren(form.form);
    form.form.querySelector('input, select, textarea, button')?.focus();
  }

  // --- Details ---
  const a = c.assessment || {};
  const d = c.decision || {};
  const details = h('section', { 'aria-labelledby': 'details-h' }, h('h2', { id: 'details-h' }, 'Details'),
    h('div', { class: 'columns' },
      h('div', {}, h('h3', {}, 'Complaint'), definitionList([
        ['State', humanize(c.state)],
        ['Received', formatDateTime(c.received_at)],
        ['Logged', formatDateTime(c.logged_at)],
        ['Received by', c.received_by],
        ['Channel', humanize(c.channel)],
        ['Subject', humanize(c.subject?.type)],
        ['Product or service', c.subject?.product],
        ['Department', c.subject?.department],
        ['Location', c.subject?.location],
        ['Persons named', c.subject?.persons_named],
        ['Date of the event', c.event_date],
        ['Policy', c.policy_id],
        ['Assignee', c.assignee],
        ['Investigator', c.investigator],
        ['Reopened', c.reopen_count ? `${c.reopen_count} time(s)` : ''],
        ['Updated', formatDateTime(c.updated_at)],
        ['Source', c.source?.system ? `${c.source.system} ${c.source.id || ''}` : ''],
      ])),
      h('div', {}, h('h3', {}, 'Complainant'), definitionList([
        ['Name', c.complainant?.name],
        ['Organisation', c.complainant?.organisation],
        ['Email', c.complainant?.email],
        ['Phone', c.complainant?.phone],
        ['Address', c.complainant?.address],
        ['Account number', c.complainant?.account_number],
        ['Customer', c.complainant ? (c.complainant.is_customer ? 'Yes' : 'No') : ''],
        ['Representative', [c.representative?.name, c.representative?.relationship].filter(Boolean).join(', ')],
        ['Representative’s authority', c.representative?.authority],
        ['Preferred contact', [c.contact_preference?.channel, c.contact_preference?.times, c.contact_preference?.language, c.contact_preference?.format].filter(Boolean).join(', ')],
        ['Accessibility needs', c.accessibility_needs],
        ['Vulnerability', c.vulnerability],
      ]))),
    h('h3', {}, 'What happened'), h('p', { class: 'prose' }, c.description || ''),
    c.remedy_requested ? [h('h3', {}, 'Remedy requested'), h('p', { class: 'prose' }, c.remedy_requested)] : null,
    c.immediate_action ? [h('h3', {}, 'Urgent action asked for'), h('p', { class: 'prose' }, c.immediate_action)] : null,
    c.pending_question ? [h('h3', {}, 'Question to the complainant'), h('p', { class: 'prose' }, c.pending_question)] : null,
    a.category || a.severity ? [h('h3', {}, 'Assessment'), definitionList([
      ['Category', a.category], ['Severity', a.severity ? String(a.severity) : ''], ['Safety or health impact', humanize(a.safety)],
      ['Complexity', humanize(a.complexity)], ['Impact on the complainant', humanize(a.impact_complainant)],
      ['Impact on the organisation', humanize(a.impact_organisation)],
      ['Immediate action needed', a.immediate_action_needed ? 'Yes' : 'No'], ['Flags', a.flags], ['Notes', a.notes],
    ])] : null,
    d.outcome ? [h('h3', {}, 'Decision'), definitionList([
      ['Outcome', humanize(d.outcome)], ['Reasons', d.reasons],
      ['Remedy', [d.remedy?.type, formatMoney(d.remedy?.amount_minor, d.remedy?.currency)].filter(Boolean).join(', ')],
      ['Remedy due', formatDate(d.remedy?.due)], ['Remedy paid', formatDate(d.remedy?.paid_at)],
      ['Proposed by', d.proposed_by], ['Proposed', formatDateTime(d.proposed_at)], ['Approved by', d.approved_by],
      ['Communicated', formatDateTime(d.communicated_at)], ['Complainant’s reply', humanize(d.acceptance)],
    ])] : null,
    c.referral?.body ? [h('h3', {}, 'Referral'), definitionList([
      ['Body', c.referral.body], ['Referred', formatDateTime(c.referral.referred_at)],
      ['Their reference', c.referral.external_reference], ['Reply deadline', formatDate(c.referral.reply_deadline)],
      ['Outcome', c.referral.outcome],
    ])] : null,
    c.closure?.closed_at ? [h('h3', {}, 'Closure'), definitionList([
      ['Closed', formatDateTime(c.closure.closed_at)], ['Closed by', c.closure.closed_by], ['Reason', humanize(c.closure.reason)],
      ['Root cause', humanize(c.closure.cause)], ['Summary', c.closure.summary], ['Duplicate of', c.closure.duplicate_of],
      ['Follow-up date', c.closure.follow_up_on],
      ['Followed up', c.closure.followed_up_at
        ? `${formatDateTime(c.closure.followed_up_at)} by ${c.closure.followed_up_by}: ${c.closure.follow_up_satisfied ? 'satisfied' : 'not satisfied'}`
        : null],
      ['Follow-up note', c.closure.follow_up_note],
    ])] : null,
    c.survey?.handling ? [h('h3', {}, 'Satisfaction survey'), definitionList([
      ['Handling', `${c.survey.handling} of 5`], ['Outcome', `${c.survey.outcome} of 5`], ['Comment', c.survey.comment],
      ['Answered', formatDateTime(c.survey.answered_at)],
    ])] : null,
    c.survey?.opted_out_at ? h('p', {}, `The complainant asked not to be surveyed (${formatDateTime(c.survey.opted_out_at)}).`) : null);

  // --- Clocks ---
  const clocks = h('section', { 'aria-labelledby': 'clocks-h' }, h('h2', { id: 'clocks-h' }, 'Clocks'));
  if ((c.clocks || []).length) {
    clocks.append(tableWrap(h('table', {},
      h('caption', { class: 'visually-hidden' }, 'Clocks of this complaint'),
      h('thead', {}, h('tr', {}, ['Clock', 'Rule', 'State', 'Due', 'Local due date', 'Ended'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, c.clocks.map((k) => h('tr', { class: k.breached ? 'row-overdue' : undefined },
        h('th', { scope: 'row' }, humanize(k.name)), h('td', {}, k.rule || ''),
        h('td', {}, humanize(k.state), k.breached ? ' (breached)' : ''),
        h('td', {}, formatDateTime(k.due)), h('td', {}, k.local_due || ''), h('td', {}, formatDateTime(k.ended_at)))))), 'Clocks'));
  } else {
    clocks.append(h('p', {}, 'No clocks.'));
  }

  // --- Notes ---
  const notes = h('section', { 'aria-labelledby': 'notes-h' }, h('h2', { id: 'notes-h' }, 'Notes and messages'));
  const noteList = (c.notes || []).length
    ? h('ol', { class: 'notes' }, c.notes.map((n) => h('li', { class: `note note-${n.visibility}` },
      h('p', { class: 'meta' }, h('strong', {}, n.author), ` · ${formatDateTime(n.at)} · `,
        n.visibility === 'complainant' ? 'message to the complainant' : 'internal note'),
      h('p', { class: 'prose' }, n.body))))
    : h('p', {}, 'No notes yet.');
  notes.append(noteList);
  if (mine.has('note')) {
    const noteForm = buildForm({
      title: 'Add a note',
      fields: [
        { name: 'body', label: 'Note', type: 'textarea', required: true, maxlength: 20000, rows: 4 },
        { name: 'visibility', label: 'Who sees it', type: 'select', required: true, value: 'internal',
          options: [['internal', 'Staff only (internal note)'], ['complainant', 'The complainant too (shown on the status page)']] },
      ],
      submitLabel: 'Add note',
      className: 'note-form',
      onSubmit: async (body) => {
        await post(`/complaints/${encodeURIComponent(c.reference)}/notes`, body);
        announce('Note added.');
        await ctx.refresh();
      },
    });
    notes.append(noteForm.form);
  }

  // --- Attachments ---
  const atts = h('section', { 'aria-labelledby': 'atts-h' }, h('h2', { id: 'atts-h' }, 'Attachments'));
  atts.append((c.attachments || []).length
    ? h('ul', { class: 'attachments' }, c.attachments.map((f) => h('li', {},
      h('a', { href: `/api/v1/complaints/${encodeURIComponent(c.reference)}/attachments/${f.id}`, download: f.filename || true },
        f.filename || `attachment ${f.id}`),
      ` — ${f.content_type}, ${formatSize(f.size)}, ${f.uploaded_by ? `by ${f.uploaded_by}, ` : ''}${formatDateTime(f.at)}`)))
    : h('p', {}, 'No attachments.'));
  if (mine.has('attachment')) {
    const upload = buildForm({
      title: 'Upload a document',
      fields: [{ name: 'file', label: 'File', type: 'file', required: true,
        hint: 'PDF, PNG, JPEG, GIF, DOCX or plain text, at most 10 MiB.' }],
      submitLabel: 'Upload',
      className: 'upload-form',
      onSubmit: async ({ file }) => {
        const ext = (file.name.split('.').pop() || '').toLowerCase();
        const type = file.type || MIME_BY_EXT[ext] || 'application/octet-stream';
        await api('POST', `/complaints/${encodeURIComponent(c.reference)}/attachments?filename=${encodeURIComponent(file.name)}`,
          file, { contentType: type });
        announce(`${file.name} uploaded.`);
        await ctx.refresh();
      },
    });
    upload.controls.get('file').input.setAttribute('accept', '.pdf,.png,.jpg,.jpeg,.gif,.docx,.txt');
    atts.append(upload.form);
  }

  // --- Timeline ---
  const timeline = h('section', { 'aria-labelledby': 'timeline-h' }, h('h2', { id: 'timeline-h' }, 'Timeline'));
  let events = c.timeline;
  if (!Array.isArray(events)) {
    try { events = (await get(`/complaints/${encodeURIComponent(c.reference)}/events`)).items; } catch { events = []; }
  }
  timeline.append(events.length ? h('ol', { class: 'timeline' }, events.map((e) => h('li', {},
    h('p', { class: 'meta' }, h('strong', {}, humanize(e.action)), ` · ${e.actor} · `, h('time', { datetime: e.at }, formatDateTime(e.at))),
    changes(e)))) : h('p', {}, 'No events.'));

  view.append(actionBar, details, clocks, notes, atts, timeline);
  return `Complaint ${c.reference}`;
}

function formatSize(n) {
  if (!n && n !== 0) return '';
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

function short(v) {
  if (v === null || v === undefined) return '—';
  const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
  return s.length > 120 ? `${s.slice(0, 117)}…` : s;
}

// The fields an event changed, "field: before → after".
function changes(e) {
  const after = e.after && typeof e.after === 'object' ? e.after : {};
  const before = e.before && typeof e.before === 'object' ? e.before : {};
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  if (!keys.length) return null;
  return h('ul', { class: 'changes' }, keys.slice(0, 12).map((k) =>
    h('li', {}, h('span', { class: 'field-name' }, humanize(k)), ': ',
      k in before ? `${short(before[k])} → ` : '', short(after[k]))));
}

export { ApiError };
