// Chart.js for the console's pages (only the parts used are imported and registered, to keep
// the bundle small). Every chart is a canvas with role="img" and an accessible name that states
// its figures, followed by a visually hidden table of the same figures.
import {
  Chart, BarController, BarElement, LineController, LineElement, PointElement,
  CategoryScale, LinearScale, Tooltip, Legend,
} from 'chart.js';
import { h } from './dom.js';

Chart.register(BarController, BarElement, LineController, LineElement, PointElement,
  CategoryScale, LinearScale, Tooltip, Legend);

export const BLUE = '#0a4f9e';
export const TEAL = '#00707a';
export const RED = '#a4121b';
export const GREY = '#5f6368';

// A figure: heading, canvas (role img, named), the data table hidden visually (in a div: a
// table keeps its content width whatever its own width says).
export function figure({ id, title, summary, columns, rows, config, level = 'h2' }) {
  const canvas = h('canvas', { id: `${id}-canvas`, role: 'img', 'aria-label': `${title}: ${summary}` });
  const table = h('div', { class: 'visually-hidden' }, h('table', {},
    h('caption', {}, title),
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, rows.map((r) => h('tr', {}, h('th', { scope: 'row' }, r[0]), r.slice(1).map((v) => h('td', {}, v)))))));
  const fig = h('figure', { class: 'chart', 'aria-labelledby': `${id}-h` },
    h(level, { id: `${id}-h` }, title), h('div', { class: 'chart-box' }, canvas),
    h('figcaption', { class: 'hint' }, summary), table);
  return { fig, canvas, config };
}

export function barConfig(labels, data, label, { max, suffix = '' } = {}) {
  return {
    type: 'bar',
    data: { labels, datasets: [{ label, data, backgroundColor: BLUE, borderColor: BLUE }] },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      plugins: { legend: { display: false }, tooltip: { callbacks: { label: (ctx) => `${ctx.parsed.y ?? 'n/a'}${suffix}` } } },
      scales: { y: { beginAtZero: true, max, ticks: { precision: 0 } } },
    },
  };
}

// The charts of one page: drawn once their canvases are in the document; the previous page's
// charts are destroyed first.
const live = new Set();

export function drawCharts(figs) {
  for (const old of live) old.destroy();
  live.clear();
  requestAnimationFrame(() => {
    for (const f of figs) {
      if (f.canvas.isConnected) live.add(new Chart(f.canvas, f.config));
    }
  });
}
