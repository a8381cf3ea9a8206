// The dashboard: GET /api/v1/dashboard drawn with Chart.js (charts.js). Every chart is a canvas
// with role="img" and an accessible name, followed by a visually hidden table of the same
// figures.
import { get } from './api.js';
import { h, humanize, AGE_LABELS } from './dom.js';
import { TEAL, figure, barConfig, drawCharts } from './charts.js';

function pct(rate) {
  return rate === null || rate === undefined ? null : Math.round(rate * 1000) / 10;
}

export async function render(view) {
  const d = await get('/dashboard');
  view.append(h('h1', {}, 'Dashboard'),
    h('p', { class: 'hint' }, `Open complaints now; on-time rates, volume and categories over the last ${d.weeks || 12} weeks.`));

  const total = (list) => list.reduce((s, x) => s + (x.count || 0), 0);
  const byState = d.open_by_state || [];
  const byAge = d.open_by_age || [];
  const weeks = d.volume_by_week || [];
  const cats = d.by_category || [];
  const ack = d.on_time?.acknowledge || {};
  const res = d.on_time?.resolve || {};
  const rateText = (r) => (r.rate === null || r.rate === undefined ? 'no data' : `${pct(r.rate)}%`);

  const figs = [
    figure({
      id: 'by-state', title: 'Open complaints by state',
      summary: byState.length ? `${total(byState)} open: ${byState.map((x) => `${humanize(x.state)} ${x.count}`).join(', ')}.` : 'No open complaints.',
      columns: ['State', 'Open complaints'], rows: byState.map((x) => [humanize(x.state), x.count]),
      config: barConfig(byState.map((x) => humanize(x.state)), byState.map((x) => x.count), 'Open complaints'),
    }),
    figure({
      id: 'by-age', title: 'Open complaints by age',
      summary: byAge.map((x) => `${AGE_LABELS[x.bucket] || x.bucket}: ${x.count}`).join(', ') + '.',
      columns: ['Age', 'Open complaints'], rows: byAge.map((x) => [AGE_LABELS[x.bucket] || x.bucket, x.count]),
      config: barConfig(byAge.map((x) => AGE_LABELS[x.bucket] || x.bucket), byAge.map((x) => x.count), 'Open complaints'),
    }),
    figure({
      id: 'on-time', title: 'On-time rates',
      summary: `Acknowledged on time: ${rateText(ack)} (${ack.met ?? 0} met, ${ack.breached ?? 0} breached). Resolved on time: ${rateText(res)} (${res.met ?? 0} met, ${res.breached ?? 0} breached).`,
      columns: ['Clock', 'Met', 'Breached', 'On-time rate'],
      rows: [['Acknowledgement', ack.met ?? 0, ack.breached ?? 0, rateText(ack)], ['Final response', res.met ?? 0, res.breached ?? 0, rateText(res)]],
      config: barConfig(['Acknowledgement', 'Final response'], [pct(ack.rate), pct(res.rate)], 'On time (%)', { max: 100, suffix: '%' }),
    }),
    figure({
      id: 'volume', title: 'Complaints received by week',
      summary: weeks.length ? `${total(weeks)} received over ${weeks.length} week${weeks.length === 1 ? '' : 's'}; ${weeks.map((w) => `${w.week}: ${w.count}`).join(', ')}.` : 'None received.',
      columns: ['Week starting', 'Received'], rows: weeks.map((w) => [w.week, w.count]),
      config: {
        type: 'line',
        data: { labels: weeks.map((w) => w.week), datasets: [{ label: 'Received', data: weeks.map((w) => w.count), borderColor: TEAL, backgroundColor: TEAL, tension: 0.2 }] },
        options: { animation: false, responsive: true, maintainAspectRatio: false, plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
      },
    }),
    figure({
      id: 'by-category', title: 'Complaints by category',
      summary: cats.length ? cats.map((x) => `${x.category || 'Not assessed'}: ${x.count}`).join(', ') + '.' : 'No complaints.',
      columns: ['Category', 'Complaints'], rows: cats.map((x) => [x.category || 'Not assessed', x.count]),
      config: (() => {
        const cfg = barConfig(cats.map((x) => x.category || 'Not assessed'), cats.map((x) => x.count), 'Complaints');
        cfg.options.indexAxis = 'y';
        // Long taxonomy ids are shortened on the axis (the table and tooltip keep them whole).
        cfg.options.scales = {
          x: { beginAtZero: true, ticks: { precision: 0 } },
          y: { ticks: { callback(value) { const l = String(this.getLabelForValue(value)); return l.length > 20 ? `…${l.slice(-19)}` : l; } } },
        };
        return cfg;
      })(),
    }),
  ];
  view.append(h('div', { class: 'chart-grid' }, figs.map((f) => f.fig)));

  drawCharts(figs);
  return 'Dashboard';
}
