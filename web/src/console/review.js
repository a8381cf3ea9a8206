// The management review (ISO 10002 clause 8.6): pick a period (kept in the route,
// #/review?from=2026-01-01&to=2026-06-30), then open GET /api/v1/reports/review as HTML in a
// new tab, download it as HTML or PDF, or download the complaints return (CSV).
import { ApiError, get } from './api.js';
import { h, announce } from './dom.js';
import { buildForm } from './forms.js';
import { isoDay, isDate, pick, go, problemBox, showProblem, csvLink } from './learning-util.js';

export async function render(view, ctx) {
  const route = pick(ctx.query, ['from', 'to']);
  const from = isDate(route.get('from')) ? route.get('from') : '';
  const to = isDate(route.get('to')) ? route.get('to') : '';
  view.append(h('h1', {}, 'Management review'),
    h('p', { class: 'hint' }, 'The report for top management: the period’s figures against the previous period and the objectives, the trend with known events and spikes, breakdowns, the Pareto of causes, root causes and actions, and audit findings.'));

  const form = buildForm({
    title: 'Period',
    intro: 'Complaints received from the first day through the last (UTC days).',
    fields: [
      { name: 'from', label: 'From', type: 'date', required: true, value: from || isoDay(-90) },
      { name: 'to', label: 'To', type: 'date', required: true, value: to || isoDay(0) },
    ],
    submitLabel: 'Prepare the report',
    className: 'review-form',
    onSubmit: async (v) => {
      if (v.from > v.to) throw new ApiError(422, { title: 'Invalid period', detail: 'The first day must not be after the last.', errors: [{ pointer: '/to', detail: 'is before the first day' }] });
      go(ctx, `#/review?${new URLSearchParams({ from: v.from, to: v.to })}`);
    },
  });
  view.append(form.form);
  if (!from || !to) return 'Management review';

  const problem = problemBox();
  const out = h('section', { 'aria-labelledby': 'report-h' }, h('h2', { id: 'report-h' }, `The report for ${from} to ${to}`), problem);
  view.append(out);
  const q = new URLSearchParams({ from, to });
  let data;
  try {
    data = await get(`/reports/review?${q}&format=json`);
  } catch (err) {
    showProblem(problem, err);
    return 'Management review';
  }
  const k = data.kpis || {};
  const htmlHref = `/api/v1/reports/review?${q}&format=html`;
  const pdfStatus = h('p', { class: 'result-status', role: 'status' });
  const pdfButton = h('button', { type: 'button', class: 'secondary', onclick: async () => {
    problem.hidden = true;
    pdfButton.disabled = true;
    pdfStatus.textContent = 'Making the PDF…';
    try {
      await download(`/api/v1/reports/review?${q}&format=pdf`, `review-${from}-to-${to}.pdf`);
      pdfStatus.textContent = 'The PDF has been downloaded.';
      announce('PDF downloaded.');
    } catch (err) {
      pdfStatus.textContent = '';
      showProblem(problem, err);
      problem.focus();
    } finally {
      pdfButton.disabled = false;
    }
  } }, 'Download the PDF');
  out.append(
    h('p', { class: 'review-summary' }, `In this period: ${k.received ?? 0} received, ${k.closed ?? 0} closed, ${k.open ?? 0} still open.`),
    h('ul', { class: 'review-links' },
      h('li', {}, h('a', { href: htmlHref, target: '_blank', rel: 'noopener', class: 'review-html' },
        'Open the report', h('span', { class: 'visually-hidden' }, ' (HTML)'), ' (opens in a new tab)'),
        h('span', { class: 'hint' }, ' — to read; the service’s security policy keeps its print layout from applying there')),
      h('li', {}, h('a', { href: htmlHref, download: `review-${from}-to-${to}.html` }, 'Download the report as an HTML file'),
        h('span', { class: 'hint' }, ' — one self-contained page with its layout, to mail or archive')),
      h('li', {}, pdfButton, h('span', { class: 'hint' }, ' — the same page as a PDF; it can take a minute'))),
    pdfStatus,
    h('h3', {}, 'Complaints return'),
    h('p', { class: 'downloads' },
      csvLink('/exports/complaints-return', new URLSearchParams({ from, to, table: 'product' }), 'Download the complaints return by product group', `complaints-return-${from}.csv`), ' ',
      csvLink('/exports/complaints-return', new URLSearchParams({ from, to, table: 'cause' }), 'Download the complaints return by product group and cause', `complaints-return-cause-${from}.csv`)));
  return 'Management review';
}

// Fetches a file with the session cookie and saves it; an API problem is thrown as ApiError.
async function download(url, filename) {
  let res;
  try {
    res = await fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/pdf, application/problem+json' } });
  } catch (err) {
    throw new ApiError(0, { title: 'Network error', detail: `The service could not be reached (${err.message}).` });
  }
  if (!res.ok) {
    let problem = null;
    try { problem = await res.json(); } catch { problem = null; }
    throw new ApiError(res.status, problem || { title: res.statusText, detail: `The request failed (HTTP ${res.status}).` });
  }
  const blob = await res.blob();
  const href = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = href;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  window.setTimeout(() => URL.revokeObjectURL(href), 10000);
}
