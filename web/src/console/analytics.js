// Analytics (ISO 10002 clause 8): GET /api/v1/analytics/dashboard with a period and dimension
// filters kept in the route (#/analytics?from=2026-01-01&to=2026-03-31&product=Mortgage&by=channel);
// KPI tiles (against the previous period of the same length when both dates are given), the
// weekly trend with known events and spikes, the Pareto of causes, a breakdown by a chosen key
// (/analytics/breakdown), open complaints by state and age (/analytics/open), CSV downloads of
// each, and the annotations (known events): list, add and delete for a manager.
import { api, get, post } from './api.js';
import { h, announce, humanize, tableWrap, AGE_LABELS } from './dom.js';
import { buildForm } from './forms.js';
import { STATES } from './queue.js';
import { BLUE, TEAL, RED, GREY, figure, drawCharts } from './charts.js';
import {
  DIMENSIONS, DIMENSION_LABEL, CAUSES, CAUSE_LABEL, pct, money, num, noData, showProblem, problemBox,
  csvLink, pick, go,
} from './learning-util.js';

const DIM_KEYS = DIMENSIONS.map(([k]) => k);
const ROUTE_KEYS = ['from', 'to', ...DIM_KEYS, 'by'];
// The filters shown at once; the others are under "More filters".
const MAIN_DIMS = ['product', 'category', 'channel', 'cause', 'state'];
const BREAKDOWN_BY = [
  ...DIMENSIONS, ['week', 'Week received'], ['month', 'Month received'], ['resolve_band', 'Time to resolve (band)'],
];
const BAND_LABEL = { '3bd': 'Within 3 business days', '8w': 'Within 8 weeks', later: 'Later', '': 'Not resolved' };
const ANNOTATION_KINDS = [['launch', 'Launch'], ['policy_change', 'Policy change'], ['incident', 'Incident'], ['other', 'Other']];
const KIND_LABEL = Object.fromEntries(ANNOTATION_KINDS);
const AGES = Object.keys(AGE_LABELS);

const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const days = (n) => (n === null || n === undefined ? '—' : plural(n, 'day'));

// The Monday (UTC) starting the week of a YYYY-MM-DD day.
function mondayOf(day) {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
  return d.toISOString().slice(0, 10);
}

function addDays(day, n) {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

function keyLabel(by, key) {
  if (by === 'resolve_band') return BAND_LABEL[key] ?? key;
  if (key === '' || key === null || key === undefined) return by === 'category' ? 'Not assessed' : '(none)';
  if (by === 'cause') return CAUSE_LABEL[key] || key;
  if (by === 'state') return humanize(key);
  return String(key);
}

export async function render(view, ctx) {
  const route = pick(ctx.query, ROUTE_KEYS);
  const filters = pick(route, ['from', 'to', ...DIM_KEYS]);
  const by = BREAKDOWN_BY.some(([k]) => k === route.get('by')) ? route.get('by') : 'product';
  const qs = (extra = {}) => {
    const q = new URLSearchParams(filters);
    for (const [k, v] of Object.entries(extra)) q.set(k, v);
    const s = q.toString();
    return s ? `?${s}` : '';
  };
  const canAnnotate = ctx.may('POST', '/api/v1/analytics/annotations');
  const canDelete = ctx.may('DELETE', '/api/v1/analytics/annotations/{id}');

  view.append(h('h1', {}, 'Analytics'),
    h('p', { class: 'hint' }, 'Complaints received in the period (UTC days, both ends included) that match the filters. ',
      'Definitions of every figure are in the documentation (docs/analytics.md).'));

  // --- The filters ---
  const problem = problemBox();
  const fields = {};
  const input = (name, label, control) => {
    fields[name] = control;
    return h('div', { class: 'field' }, h('label', { for: control.id }, label), control);
  };
  const dimControl = (key) => {
    const id = `af-${key}`;
    const value = filters.get(key) || '';
    if (key === 'cause') {
      return h('select', { id, name: key }, h('option', { value: '' }, 'Any'),
        CAUSES.map(([v, l]) => h('option', { value: v, selected: v === value }, l)));
    }
    if (key === 'state') {
      return h('select', { id, name: key }, h('option', { value: '' }, 'Any'),
        STATES.map((s) => h('option', { value: s, selected: s === value }, humanize(s))));
    }
    return h('input', { id, name: key, type: 'text', value, autocomplete: 'off', list: `af-${key}-values` });
  };
  const datalists = h('div', {});
  const filterForm = h('form', { class: 'filters', role: 'search', 'aria-label': 'Period and filters', novalidate: true },
    h('div', { class: 'filter-grid' },
      input('from', 'Received from', h('input', { id: 'af-from', name: 'from', type: 'date', value: filters.get('from') || '' })),
      input('to', 'Received to', h('input', { id: 'af-to', name: 'to', type: 'date', value: filters.get('to') || '' })),
      MAIN_DIMS.map((k) => input(k, DIMENSION_LABEL[k], dimControl(k)))),
    h('details', { class: 'more-filters', open: DIM_KEYS.some((k) => !MAIN_DIMS.includes(k) && filters.get(k)) },
      h('summary', {}, 'More filters'),
      h('div', { class: 'filter-grid' },
        DIM_KEYS.filter((k) => !MAIN_DIMS.includes(k)).map((k) => input(k, DIMENSION_LABEL[k], dimControl(k))))),
    datalists,
    h('div', { class: 'buttons' },
      h('button', { type: 'submit' }, 'Show'),
      h('button', { type: 'button', class: 'secondary', onclick: () => go(ctx, '#/analytics') }, 'Clear filters')));
  filterForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const q = new URLSearchParams();
    for (const k of ['from', 'to', ...DIM_KEYS]) {
      const v = fields[k].value.trim();
      if (v) q.set(k, v);
    }
    if (by !== 'product') q.set('by', by);
    go(ctx, q.toString() ? `#/analytics?${q}` : '#/analytics');
  });
  const period = [filters.get('from') && `from ${filters.get('from')}`, filters.get('to') && `to ${filters.get('to')}`].filter(Boolean);
  const described = DIM_KEYS.filter((k) => filters.get(k)).map((k) => `${DIMENSION_LABEL[k].toLowerCase()} ${keyLabel(k, filters.get(k))}`);
  view.append(filterForm, problem,
    h('p', { class: 'result-status', role: 'status', id: 'analytics-status' },
      `Showing complaints received ${period.length ? period.join(' ') : 'on any date'}${described.length ? `; ${described.join(', ')}` : ''}.`));

  let d;
  let open;
  let breakdown;
  let notes;
  try {
    [d, open, breakdown, notes] = await Promise.all([
      get(`/analytics/dashboard${qs()}`),
      get(`/analytics/open${qs()}`),
      get(`/analytics/breakdown${qs({ by })}`),
      get('/analytics/annotations'),
    ]);
  } catch (err) {
    // Not allowed or signed out: the router's error page. Anything else (a bad filter) is
    // shown here, under the filters, so it can be put right.
    if (err.status === 401 || err.status === 403) throw err;
    showProblem(problem, err);
    return 'Analytics';
  }
  if (!ctx.isCurrent()) return 'Analytics';
  datalists.append(...[['product', d.by_product], ['category', d.by_category], ['channel', d.by_channel]].map(([k, rows]) =>
    h('datalist', { id: `af-${k}-values` }, (rows || []).filter((r) => r.key).map((r) => h('option', { value: r.key })))));

  const figs = [];
  view.append(kpiSection(d, filters), trendSection(d, filters, figs), paretoSection(d, filters, figs),
    breakdownSection(ctx, route, by, breakdown, filters), openSection(open, filters),
    annotationsSection(ctx, notes?.annotations || [], canAnnotate, canDelete));
  drawCharts(figs);
  return 'Analytics';
}

// --- KPI tiles ---
// The CSV links take the route's filters (the response's `to` is exclusive, not the route's).
const withParams = (filters, extra = []) => new URLSearchParams([...filters, ...extra]);

// The figures of a period in which nothing was received (the API gives no `previous` then).
const NOTHING = { received: 0, open: 0, closed: 0 };

function kpiSection(d, filters) {
  const k = d.kpis || {};
  const p = d.previous || (filters.get('from') && filters.get('to') ? NOTHING : null);
  const r = d.resolve_days || {};
  const prev = (value) => (p ? `Previous period: ${value}` : null);
  const tiles = [
    { id: 'received', label: 'Received', value: String(k.received ?? 0), sub: prev(p?.received) },
    { id: 'open', label: 'Still open', value: String(k.open ?? 0), sub: prev(p?.open) },
    { id: 'closed', label: 'Closed', value: String(k.closed ?? 0), sub: prev(p?.closed) },
    { id: 'ack_on_time', label: 'Acknowledged on time', value: pct(k.ack_on_time), sub: prev(p && pct(p.ack_on_time)) },
    { id: 'final_on_time', label: 'Final response on time', value: pct(k.final_on_time), sub: prev(p && pct(p.final_on_time)) },
    { id: 'upheld', label: 'Upheld', value: pct(k.upheld), sub: `of ${plural(k.decided ?? 0, 'decision')} communicated` },
    { id: 'partly_upheld', label: 'Partly upheld', value: pct(k.partly_upheld), sub: `of ${plural(k.decided ?? 0, 'decision')} communicated` },
    { id: 'not_upheld', label: 'Not upheld', value: pct(k.not_upheld), sub: `of ${plural(k.decided ?? 0, 'decision')} communicated` },
    { id: 'resolve_p50', label: 'Time to resolve, median (p50)', value: days(r.p50), sub: `${plural(r.resolved ?? 0, 'complaint')} resolved` },
    { id: 'resolve_p90', label: 'Time to resolve, 90th percentile', value: days(r.p90), sub: `${plural(r.resolved ?? 0, 'complaint')} resolved` },
    { id: 'redress', label: 'Redress', value: money(k.redress_minor ?? 0),
      sub: `${plural(k.redressed ?? 0, 'complaint')} with redress${k.redress_mean_minor != null ? `, mean ${money(k.redress_mean_minor)}` : ''}; in the complaints' currency` },
    { id: 'reopen_rate', label: 'Reopened after closure', value: pct(k.reopen_rate), sub: prev(p && pct(p.reopen_rate)) },
    { id: 'referral_rate', label: 'Referred to an outside body', value: pct(k.referral_rate), sub: prev(p && pct(p.referral_rate)) },
    { id: 'early_resolution', label: 'Resolved early', value: pct(k.early_resolution), sub: prev(p && pct(p.early_resolution)) },
    { id: 'satisfaction', label: 'Satisfaction with the handling', value: k.satisfaction_handling == null ? '—' : `${num(k.satisfaction_handling)} of 5`,
      sub: `outcome ${k.satisfaction_outcome == null ? '—' : `${num(k.satisfaction_outcome)} of 5`}; ${plural(k.surveys ?? 0, 'survey answer')} (${pct(k.survey_response)} of closed)` },
  ];
  return h('section', { 'aria-labelledby': 'kpis-h' },
    h('h2', { id: 'kpis-h' }, 'Key figures'),
    h('p', { class: 'hint' }, p ? 'Each figure with the previous period of the same length. A rate of nothing is shown —. ' : 'Give both dates to compare with the previous period of the same length. A rate of nothing is shown —. ',
      'The objectives are in the table below.'),
    h('dl', { class: 'kpi-tiles' }, tiles.map((t) => h('div', { class: 'kpi', dataset: { kpi: t.id } },
      h('dt', {}, t.label), h('dd', { class: 'kpi-value' }, noData(t.value)),
      t.sub ? h('dd', { class: 'kpi-sub' }, t.sub) : null))),
    h('p', { class: 'downloads' }, csvLink('/analytics/dashboard', withParams(filters), 'Download the key figures', 'kpis.csv')),
    objectivesTable(d.objectives || []));
}

// The objectives of policies/objectives.toml with this period's figure; met or not in words.
function objectivesTable(objectives) {
  if (!objectives.length) return h('p', {}, 'No objectives are set.');
  const show = (o, v) => (v == null ? null : o.share ? pct(v) : `${num(v)} of 5`);
  return h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-labelledby': 'objectives-h' },
    h('table', { class: 'objectives' },
      h('caption', { id: 'objectives-h' }, 'Against the objectives'),
      h('thead', {}, h('tr', {}, ['Indicator', 'Objective', 'This period', 'Status'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, objectives.map((o) => h('tr', { dataset: { kpi: o.kpi } },
        h('th', { scope: 'row' }, o.name),
        h('td', {}, `${o.higher_is_better ? 'at least' : 'at most'} ${show(o, o.objective)}`),
        h('td', {}, noData(show(o, o.actual))),
        h('td', {}, o.met == null ? 'No data' : o.met ? 'Met' : 'Not met'))))));
}

// --- Weekly trend, known events and spikes ---
function trendSection(d, filters, figs) {
  const weekly = d.weekly || [];
  const counts = new Map(weekly.map((w) => [w.week, w.received]));
  let start = filters.get('from') ? mondayOf(filters.get('from')) : weekly[0]?.week;
  let end = filters.get('to') ? mondayOf(filters.get('to')) : weekly[weekly.length - 1]?.week;
  const weeks = [];
  if (start && end) {
    if (weekly.length && weekly[0].week < start) start = weekly[0].week;
    if (weekly.length && weekly[weekly.length - 1].week > end) end = weekly[weekly.length - 1].week;
    for (let w = start; w <= end && weeks.length < 600; w = addDays(w, 7)) weeks.push(w);
  }
  const notesByWeek = new Map();
  // (The dashboard also lists deleted events, as kind "deleted": they are left out.)
  (d.annotations || []).filter((a) => a.kind !== 'deleted').forEach((a, i) => {
    const w = mondayOf(a.day);
    if (!notesByWeek.has(w)) notesByWeek.set(w, []);
    notesByWeek.get(w).push({ ...a, n: i + 1 });
  });
  const spikesByWeek = new Map();
  for (const s of d.spikes || []) {
    if (!spikesByWeek.has(s.week)) spikesByWeek.set(s.week, []);
    spikesByWeek.get(s.week).push(s);
  }
  const spikeText = (s) => `${DIMENSION_LABEL[s.dimension] || s.dimension} ${keyLabel(s.dimension, s.value)}: ${s.count} against a median of ${s.baseline_median} (z ${s.z === 'inf' ? '∞, flat baseline' : num(s.z)})`;
  const total = weekly.reduce((s, w) => s + (w.received || 0), 0);
  const peak = weekly.reduce((m, w) => (!m || w.received > m.received ? w : m), null);
  const summary = weeks.length
    ? `${plural(total, 'complaint')} received over ${plural(weeks.length, 'week')}${peak ? `; the most, ${peak.received}, in the week of ${peak.week}` : ''}. `
      + `${plural(notesByWeek.size ? [...notesByWeek.values()].flat().length : 0, 'known event')} marked, ${plural(spikesByWeek.size, 'week')} with a spike.`
    : 'No complaints received in this period.';
  const section = h('section', { 'aria-labelledby': 'trend-h' });
  if (!weeks.length) {
    section.append(h('h2', { id: 'trend-h' }, 'Complaints received by week'), h('p', {}, summary));
    return section;
  }
  // Known events as dashed lines numbered at the top; spikes as "spike" over their bars.
  const markerPlugin = {
    id: 'knownEvents',
    afterDatasetsDraw(chart) {
      const { ctx: g, chartArea, scales } = chart;
      const bars = chart.getDatasetMeta(0).data;
      g.save();
      g.font = '12px system-ui, sans-serif';
      g.textAlign = 'center';
      weeks.forEach((w, i) => {
        const x = scales.x.getPixelForValue(i);
        if (spikesByWeek.has(w) && bars[i]) {
          g.fillStyle = RED;
          g.fillText('▲ spike', x, bars[i].y - 4);
        }
        const list = notesByWeek.get(w);
        if (!list) return;
        const dx = Math.min(12, (bars[i]?.width || 16) / 2 + 2);
        g.strokeStyle = GREY;
        g.fillStyle = '#1b1b1b';
        g.setLineDash([4, 3]);
        g.beginPath();
        g.moveTo(x - dx, chartArea.top + 4);
        g.lineTo(x - dx, chartArea.bottom);
        g.stroke();
        g.textAlign = 'right';
        g.fillText(list.map((a) => a.n).join(','), x - dx - 3, chartArea.top + 12);
        g.textAlign = 'center';
      });
      g.restore();
    },
  };
  const fig = figure({
    id: 'trend', title: 'Complaints received by week',
    summary,
    columns: ['Week starting', 'Received', 'Known events', 'Spikes'],
    rows: weeks.map((w) => [w, counts.get(w) || 0,
      (notesByWeek.get(w) || []).map((a) => `${a.n}. ${a.day} ${KIND_LABEL[a.kind] || a.kind}: ${a.label}`).join('; ') || 'none',
      (spikesByWeek.get(w) || []).map(spikeText).join('; ') || 'none']),
    config: {
      type: 'bar',
      data: {
        labels: weeks,
        datasets: [{
          label: 'Received',
          data: weeks.map((w) => counts.get(w) || 0),
          backgroundColor: weeks.map((w) => (spikesByWeek.has(w) ? RED : TEAL)),
          maxBarThickness: 48,
        }],
      },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false,
        layout: { padding: { top: 18 } },
        plugins: { legend: { display: false } },
        scales: { y: { beginAtZero: true, grace: '10%', ticks: { precision: 0 } } },
      },
      plugins: [markerPlugin],
    },
  });
  figs.push(fig);
  const events = [...notesByWeek.values()].flat();
  section.append(fig.fig,
    h('p', { class: 'hint' }, 'Dashed lines, numbered, mark the weeks of known events; a red bar marked “spike” is a week with a spike.'),
    h('div', { class: 'columns' },
      h('div', {}, h('h3', {}, 'Known events in the period'),
        events.length ? h('ol', { class: 'plain-list' }, events.map((a) => h('li', { value: a.n }, `${a.day} — ${KIND_LABEL[a.kind] || a.kind}: ${a.label}`)))
          : h('p', {}, 'None recorded.')),
      h('div', {}, h('h3', {}, 'Spikes'),
        (d.spikes || []).length ? h('ul', { class: 'plain-list spikes' }, d.spikes.map((s) => h('li', {}, h('strong', {}, 'Spike'), ` in the week of ${s.week}: ${spikeText(s)}.`)))
          : h('p', {}, 'No spikes flagged (a spike is a week of at least 5 complaints in one category, robust z ≥ 3.5 against the 12 weeks before).'))),
    h('p', { class: 'downloads' },
      csvLink('/analytics/breakdown', withParams(filters, [['by', 'week']]), 'Download the weekly figures', 'weekly.csv'), ' ',
      csvLink('/analytics/spikes', withParams(filters, [['by', 'category']]), 'Download the spikes by category', 'spikes.csv')));
  return section;
}

// --- Pareto of causes ---
function paretoSection(d, filters, figs) {
  const rows = d.pareto_causes || [];
  const section = h('section', { 'aria-labelledby': 'pareto-h' });
  if (!rows.length) {
    section.append(h('h2', { id: 'pareto-h' }, 'Pareto of causes'), h('p', {}, 'No closed complaint with a recorded cause in this period.'));
    return section;
  }
  const labels = rows.map((r) => CAUSE_LABEL[r.key] || r.key);
  const vital = rows.filter((r) => r.vital).map((r) => CAUSE_LABEL[r.key] || r.key);
  const fig = figure({
    id: 'pareto', title: 'Pareto of causes',
    summary: `${rows.map((r, i) => `${labels[i]} ${r.count} (${pct(r.share)}, cumulative ${pct(r.cumulative)})`).join(', ')}. The vital few: ${vital.join(', ') || 'none'}.`,
    columns: ['Cause', 'Closed complaints', 'Share', 'Cumulative share', 'Redress', 'Vital few'],
    rows: rows.map((r, i) => [labels[i], r.count, pct(r.share), pct(r.cumulative), money(r.redress_minor), r.vital ? 'yes' : 'no']),
    config: {
      type: 'bar',
      data: {
        labels,
        datasets: [
          { type: 'bar', label: 'Closed complaints', data: rows.map((r) => r.count), yAxisID: 'y',
            backgroundColor: rows.map((r) => (r.vital ? BLUE : '#8aa9cf')), borderColor: BLUE, order: 2 },
          { type: 'line', label: 'Cumulative share (%)', data: rows.map((r) => Math.round(r.cumulative * 1000) / 10), yAxisID: 'y1',
            borderColor: RED, backgroundColor: RED, order: 1 },
        ],
      },
      options: {
        animation: false, responsive: true, maintainAspectRatio: false,
        plugins: { legend: { display: true, position: 'bottom' } },
        scales: {
          y: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: 'Complaints' } },
          y1: { position: 'right', min: 0, max: 100, grid: { drawOnChartArea: false }, title: { display: true, text: 'Cumulative %' } },
        },
      },
    },
  });
  figs.push(fig);
  section.append(fig.fig,
    h('p', { class: 'hint' }, 'Closed complaints by recorded cause, most first. The vital few (dark bars) are the causes up to the one that takes the cumulative share to 80%.'),
    h('p', { class: 'downloads' }, csvLink('/analytics/pareto', withParams(filters, [['by', 'cause']]), 'Download the Pareto of causes', 'pareto.csv')));
  return section;
}

// --- Breakdown by a chosen key ---
function breakdownSection(ctx, route, by, data, filters) {
  const select = h('select', { id: 'breakdown-by', name: 'by' },
    BREAKDOWN_BY.map(([k, l]) => h('option', { value: k, selected: k === by }, l)));
  const form = h('form', { class: 'row inline-form', novalidate: true, onsubmit: (event) => {
    event.preventDefault();
    const q = pick(route, ROUTE_KEYS);
    if (select.value === 'product') q.delete('by');
    else q.set('by', select.value);
    go(ctx, q.toString() ? `#/analytics?${q}` : '#/analytics');
  } },
  h('div', { class: 'field' }, h('label', { for: 'breakdown-by' }, 'Break down by'), select),
  h('div', { class: 'buttons' }, h('button', { type: 'submit', class: 'secondary' }, 'Show breakdown')));
  const rows = data.rows || [];
  const label = BREAKDOWN_BY.find(([k]) => k === by)?.[1] || by;
  const table = rows.length ? tableWrap(h('table', { class: 'breakdown-table' },
    h('caption', {}, `Complaints by ${label.toLowerCase()}`),
    h('thead', {}, h('tr', {}, [label, 'Received', 'Open', 'Closed', 'Upheld', 'Final response on time', 'Satisfaction (handling)', 'Redress']
      .map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, rows.map((r) => h('tr', {},
      h('th', { scope: 'row' }, keyLabel(by, r[by])),
      h('td', {}, r.received), h('td', {}, r.open), h('td', {}, r.closed),
      h('td', {}, noData(pct(r.upheld))), h('td', {}, noData(pct(r.final_on_time))),
      h('td', {}, noData(r.satisfaction_handling == null ? '—' : `${num(r.satisfaction_handling)} of 5`)),
      h('td', {}, money(r.redress_minor)))))), `Breakdown by ${label.toLowerCase()}`)
    : h('p', {}, 'No complaints to break down.');
  return h('section', { 'aria-labelledby': 'breakdown-h' },
    h('h2', { id: 'breakdown-h' }, 'Breakdown'), form, table,
    h('p', { class: 'downloads' }, csvLink('/analytics/breakdown', withParams(filters, [['by', by]]), `Download the breakdown by ${label.toLowerCase()}`, `breakdown-${by}.csv`)));
}

// --- Open complaints by state and age ---
function openSection(data, filters) {
  const rows = data.rows || [];
  const byState = new Map();
  for (const r of rows) {
    if (!byState.has(r.state)) byState.set(r.state, Object.fromEntries(AGES.map((a) => [a, 0])));
    byState.get(r.state)[r.age] += r.count;
  }
  const states = STATES.filter((s) => byState.has(s)).concat([...byState.keys()].filter((s) => !STATES.includes(s)));
  const total = rows.reduce((s, r) => s + r.count, 0);
  const colTotal = (a) => rows.filter((r) => r.age === a).reduce((s, r) => s + r.count, 0);
  return h('section', { 'aria-labelledby': 'open-h' },
    h('h2', { id: 'open-h' }, 'Open complaints now'),
    h('p', { class: 'hint' }, 'Open now, of those received in the period and matching the filters, by state and by age (business days by the default policy\'s calendar).'),
    total ? tableWrap(h('table', { class: 'open-table' },
      h('caption', {}, `${plural(total, 'open complaint')} by state and age`),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'State'), AGES.map((a) => h('th', { scope: 'col' }, AGE_LABELS[a])), h('th', { scope: 'col' }, 'Total'))),
      h('tbody', {}, states.map((s) => {
        const c = byState.get(s);
        return h('tr', {}, h('th', { scope: 'row' }, humanize(s)), AGES.map((a) => h('td', {}, c[a])),
          h('td', {}, AGES.reduce((x, a) => x + c[a], 0)));
      })),
      h('tfoot', {}, h('tr', {}, h('th', { scope: 'row' }, 'Total'), AGES.map((a) => h('td', {}, colTotal(a))), h('td', {}, total)))),
    'Open complaints by state and age') : h('p', {}, 'No open complaints.'),
    h('p', { class: 'downloads' }, csvLink('/analytics/open', withParams(filters), 'Download open complaints by state and age', 'open.csv')));
}

// --- Annotations (known events) ---
function annotationsSection(ctx, list, canAnnotate, canDelete) {
  const status = problemBox();
  const sorted = [...list].sort((a, b) => (a.day < b.day ? 1 : a.day > b.day ? -1 : b.id - a.id));
  const scopeText = (s) => (s && typeof s === 'object' && Object.keys(s).length
    ? Object.entries(s).map(([k, v]) => `${DIMENSION_LABEL[k] || k}: ${keyLabel(k, v)}`).join(', ') : 'Everything');
  const section = h('section', { 'aria-labelledby': 'notes-h' },
    h('h2', { id: 'notes-h' }, 'Known events (annotations)'),
    h('p', { class: 'hint' }, 'Launches, policy changes and incidents, drawn on the trend so that a rise after one is read as such.'),
    status,
    sorted.length ? tableWrap(h('table', { class: 'annotations-table' },
      h('caption', {}, plural(sorted.length, 'known event')),
      h('thead', {}, h('tr', {}, ['Day', 'Kind', 'Event', 'Concerns', 'Added by', canDelete ? 'Remove' : null]
        .filter(Boolean).map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, sorted.map((a) => h('tr', { dataset: { annotation: a.id } },
        h('th', { scope: 'row' }, a.day), h('td', {}, KIND_LABEL[a.kind] || humanize(a.kind)), h('td', {}, a.label),
        h('td', {}, scopeText(a.scope)), h('td', {}, a.created_by || ''),
        canDelete ? h('td', {}, h('button', { type: 'button', class: 'secondary small danger', 'aria-label': `Delete the event “${a.label}” of ${a.day}`,
          onclick: async () => {
            status.hidden = true;
            try {
              await api('DELETE', `/analytics/annotations/${a.id}`);
              announce(`Event “${a.label}” deleted.`);
              await ctx.refresh();
            } catch (err) {
              showProblem(status, err);
              status.focus();
            }
          } }, 'Delete')) : null)))), 'Known events table')
      : h('p', {}, 'No known events recorded.'),
    h('p', { class: 'downloads' }, csvLink('/analytics/annotations', new URLSearchParams(), 'Download the known events', 'annotations.csv')));

  if (canAnnotate) {
    const form = buildForm({
      title: 'Add a known event',
      fields: [
        { name: 'day', label: 'Day', type: 'date', required: true },
        { name: 'kind', label: 'Kind', type: 'select', required: true, value: 'launch', options: ANNOTATION_KINDS },
        { name: 'label', label: 'What happened', required: true, maxlength: 200, hint: 'e.g. New credit card launched' },
        { name: 'scope_dim', label: 'It concerns', type: 'select', blank: 'Everything', options: DIMENSIONS,
          pointers: ['/scope'] },
        { name: 'scope_value', label: 'Which one', maxlength: 200, hint: 'The product, category, … it concerns (with “It concerns”).',
          pointers: DIMENSIONS.map(([k]) => `/scope/${k}`) },
      ],
      submitLabel: 'Add event',
      className: 'annotation-form',
      onSubmit: async (v) => {
        const body = { day: v.day, kind: v.kind, label: v.label };
        if (v.scope_dim && v.scope_value) body.scope = { [v.scope_dim]: v.scope_value };
        else if (v.scope_dim || v.scope_value) throw new Error('Give both what the event concerns and which one, or neither.');
        await post('/analytics/annotations', body);
        announce(`Event “${v.label}” added.`);
        await ctx.refresh();
      },
    });
    section.append(form.form);
  }
  return section;
}
