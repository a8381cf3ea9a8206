// Shared by the clause 8 pages (analytics, root causes, corrective actions, audits, review):
// the dimensions the analytics API filters by, number formats, problem boxes, CSV links.
import { ApiError } from './api.js';
import { h } from './dom.js';

// The analytics filters (docs/api.md, "Learning from complaints"): query parameters named after
// a dimension. Values are free text except cause and state.
export const DIMENSIONS = [
  ['product', 'Product'], ['category', 'Category'], ['channel', 'Channel'],
  ['department', 'Department'], ['location', 'Location'], ['handler', 'Handler'],
  ['cause', 'Cause'], ['state', 'State'], ['policy', 'Policy'], ['currency', 'Currency'],
];
export const DIMENSION_LABEL = Object.fromEntries(DIMENSIONS);

export const CAUSES = [
  ['people', 'People'], ['process', 'Process'], ['product', 'Product'], ['system', 'System'],
  ['third_party', 'Third party'], ['policy', 'Policy'],
];
export const CAUSE_LABEL = Object.fromEntries(CAUSES);

export const METHODS = [['five_whys', 'Five whys'], ['fishbone', 'Fishbone'], ['other', 'Other']];
export const METHOD_LABEL = Object.fromEntries(METHODS);

// A date N days from today (negative: ago), YYYY-MM-DD, UTC like the API's days.
export function isoDay(offsetDays = 0) {
  return new Date(Date.now() + offsetDays * 86400000).toISOString().slice(0, 10);
}

export const isDate = (s) => /^\d{4}-\d{2}-\d{2}$/.test(s || '');

// A rate (0..1) as "33.3%"; null (a rate of nothing) as "—".
export function pct(rate) {
  if (rate === null || rate === undefined || Number.isNaN(Number(rate))) return '—';
  return `${(Math.round(Number(rate) * 1000) / 10).toFixed(1)}%`;
}

// Minor units as major units with two decimals and thousands separators: 123450 -> "1,234.50".
export function money(minor) {
  if (minor === null || minor === undefined) return '—';
  const n = Math.round(Number(minor));
  const sign = n < 0 ? '-' : '';
  const abs = Math.abs(n);
  const major = Math.floor(abs / 100).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}${major}.${String(abs % 100).padStart(2, '0')}`;
}

export function num(v, digits = 1) {
  if (v === null || v === undefined) return '—';
  return Number.isInteger(v) ? String(v) : Number(v).toFixed(digits);
}

// "—" is read out as a dash; say "no data" to screen readers instead.
export function noData(text) {
  return text === '—' ? [h('span', { 'aria-hidden': 'true' }, '—'), h('span', { class: 'visually-hidden' }, 'no data')] : text;
}

// Fills a role="alert" box with an API problem: title, detail, and each entry of `errors`
// (the field's JSON pointer and what is wrong).
export function showProblem(box, err) {
  const p = err instanceof ApiError ? err.problem : { title: 'Error', detail: err.message };
  const errors = err instanceof ApiError ? err.fieldErrors : [];
  box.replaceChildren(
    h('p', {}, h('strong', {}, p.title || 'Error'), p.detail ? ` — ${p.detail}` : ''),
    errors.length ? h('ul', {}, errors.map((e) => h('li', {}, `${String(e.pointer || '').replace(/^\/query\//, '')}: ${e.detail}`))) : null);
  box.hidden = false;
}

export function problemBox() {
  return h('div', { class: 'alert', role: 'alert', tabindex: '-1', hidden: true });
}

// A link that downloads a CSV from the API (GET ... &format=csv, the session cookie is sent).
export function csvLink(path, params, label, filename) {
  const q = new URLSearchParams(params);
  q.set('format', 'csv');
  return h('a', { class: 'csv-link', href: `/api/v1${path}?${q}`, download: filename || true }, label,
    h('span', { class: 'visually-hidden' }, ' (CSV file)'));
}

// The route's query string: only the given keys, in that order, without empty values.
export function pick(query, keys) {
  const src = new URLSearchParams(query);
  const out = new URLSearchParams();
  for (const k of keys) {
    const v = src.get(k);
    if (v !== null && v.trim() !== '') out.set(k, v.trim());
  }
  return out;
}

// Goes to `hash`, or renders again when the route is already there.
export function go(ctx, hash) {
  if (window.location.hash === hash) ctx.refresh();
  else ctx.navigate(hash);
}
