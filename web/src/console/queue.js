// The queue: GET /api/v1/complaints with the list's filters, cursor pagination, overdue and
// soon-due rows marked (with text), and the user's saved views (/api/v1/me/views).
//
// The filters live in the hash (#/queue?state=received&overdue=true), so a view, a bookmark
// and the back button all work. The Order filter sorts the whole list on the server (the API's
// sort parameter); a column header sorts only the rows of the page shown, and says so.
import { api, get } from './api.js';
import { h, clear, announce, humanize, formatDate, tableWrap } from './dom.js';

export const STATES = [
  'received', 'acknowledged', 'assessed', 'under_investigation', 'awaiting_complainant',
  'response_proposed', 'decision_communicated', 'closed', 'reopened', 'withdrawn', 'referred',
];
const FILTERS = ['state', 'category', 'priority', 'assignee', 'overdue', 'follow_up_due', 'q', 'received_from', 'received_to', 'sort', 'limit'];
const SORTS = [['newest', 'Newest first'], ['oldest', 'Oldest first'], ['due', 'Due soonest (open only)'], ['priority', 'Priority (P1 first)']];
const SOON_MS = 2 * 24 * 3600 * 1000;

const COLUMNS = [
  { key: 'reference', label: 'Reference' },
  { key: 'state', label: 'State' },
  { key: 'priority', label: 'Priority' },
  { key: 'category', label: 'Category' },
  { key: 'product', label: 'Product' },
  { key: 'assignee', label: 'Assignee' },
  { key: 'received_at', label: 'Received' },
  { key: 'due', label: 'Due' },
];

// Only the list API's own parameters, in a stable order.
export function cleanQuery(query) {
  const src = new URLSearchParams(query);
  const out = new URLSearchParams();
  for (const k of FILTERS) {
    const v = src.get(k);
    if (v !== null && v !== '') out.set(k, v);
  }
  return out;
}

// 'overdue' | 'soon' | ''
export function urgency(item, now = Date.now()) {
  if (item.overdue) return 'overdue';
  if (!item.due || ['closed', 'withdrawn'].includes(item.state)) return '';
  const due = Date.parse(item.due);
  if (!Number.isNaN(due) && due - now <= SOON_MS) return due < now ? 'overdue' : 'soon';
  return '';
}

export async function render(view, ctx) {
  const filters = cleanQuery(ctx.query);
  const page = { cursors: [null], index: 0, items: [], next: null, sort: null };

  view.append(h('h1', {}, 'Complaint queue'));

  // --- Saved views ---
  const viewsBox = h('section', { class: 'saved-views', 'aria-labelledby': 'views-h' },
    h('h2', { id: 'views-h' }, 'Saved views'));
  const viewsMsg = h('div', { class: 'alert', role: 'alert', hidden: true });
  const viewSelect = h('select', { id: 'view-pick', name: 'view' });
  const viewName = h('input', { id: 'view-name', name: 'view-name', type: 'text', maxlength: 100, autocomplete: 'off' });
  let views = [];
  async function loadViews(selected) {
    try {
      views = await get('/me/views');
      if (!Array.isArray(views)) views = views?.items || [];
    } catch (err) {
      views = [];
      viewsMsg.replaceChildren(h('p', {}, `Saved views could not be loaded: ${err.message}`));
      viewsMsg.hidden = false;
    }
    viewSelect.replaceChildren(h('option', { value: '' }, views.length ? 'Choose a view…' : 'No saved views yet'),
      ...views.map((v) => h('option', { value: v.name, selected: v.name === selected }, v.name)));
  }
  const showViewError = (err) => {
    viewsMsg.replaceChildren(h('p', {}, err.message));
    viewsMsg.hidden = false;
  };
  viewsBox.append(viewsMsg,
    h('div', { class: 'row' },
      h('div', { class: 'field' }, h('label', { for: 'view-pick' }, 'View'), viewSelect),
      h('div', { class: 'buttons' },
        h('button', { type: 'button', class: 'secondary', onclick: () => {
          const v = views.find((x) => x.name === viewSelect.value);
          if (v) ctx.navigate(`#/queue?${cleanQuery(v.query).toString()}`);
        } }, 'Open view'),
        h('button', { type: 'button', class: 'secondary danger', onclick: async () => {
          const name = viewSelect.value;
          if (!name) return;
          try {
            await api('DELETE', `/me/views/${encodeURIComponent(name)}`);
            announce(`View “${name}” deleted.`);
            await loadViews('');
          } catch (err) { showViewError(err); }
        } }, 'Delete view'))),
    h('form', { class: 'row', novalidate: true, onsubmit: async (event) => {
      event.preventDefault();
      const name = viewName.value.trim();
      viewsMsg.hidden = true;
      if (!name) { showViewError(new Error('Give the view a name.')); viewName.focus(); return; }
      try {
        await api('PUT', `/me/views/${encodeURIComponent(name)}`, { query: currentFilters().toString() });
        announce(`View “${name}” saved.`);
        viewName.value = '';
        await loadViews(name);
      } catch (err) { showViewError(err); }
    } },
      h('div', { class: 'field' }, h('label', { for: 'view-name' }, 'Save the current filters as'), viewName),
      h('div', { class: 'buttons' }, h('button', { type: 'submit', class: 'secondary' }, 'Save view'))));

  // --- Filters ---
  const f = {};
  const field = (name, label, control, hint) => {
    f[name] = control;
    return h('div', { class: 'field' }, h('label', { for: control.id }, label), control,
      hint ? h('p', { class: 'hint', id: `${control.id}-hint` }, hint) : null);
  };
  const select = (id, options, value) => h('select', { id, name: id },
    h('option', { value: '' }, 'Any'), options.map(([v, l]) => h('option', { value: v, selected: v === value }, l)));
  const filterForm = h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter complaints', novalidate: true },
    h('div', { class: 'filter-grid' },
      field('q', 'Search text', h('input', { id: 'q', name: 'q', type: 'search', maxlength: 200, value: filters.get('q') || '' })),
      field('state', 'State', select('state', STATES.map((s) => [s, humanize(s)]), filters.get('state'))),
      field('priority', 'Priority', select('priority', ['P1', 'P2', 'P3', 'P4'].map((p) => [p, p]), filters.get('priority'))),
      field('category', 'Category', h('input', { id: 'category', name: 'category', type: 'text', value: filters.get('category') || '' })),
      field('assignee', 'Assignee', h('input', { id: 'assignee', name: 'assignee', type: 'text', autocomplete: 'off', value: filters.get('assignee') || '' })),
      field('received_from', 'Received from', h('input', { id: 'received_from', name: 'received_from', type: 'date', value: filters.get('received_from') || '' })),
      field('received_to', 'Received to', h('input', { id: 'received_to', name: 'received_to', type: 'date', value: filters.get('received_to') || '' })),
      field('sort', 'Order', h('select', { id: 'sort', name: 'sort' },
        SORTS.map(([v, l]) => h('option', { value: v, selected: (filters.get('sort') || 'newest') === v }, l))),
        'Not with search text: matches come newest first.'),
      field('limit', 'Rows per page', h('select', { id: 'limit', name: 'limit' },
        [...new Set(['25', '50', '100', '200', filters.get('limit') || '50'])].sort((x, y) => x - y)
          .map((n) => h('option', { value: n, selected: (filters.get('limit') || '50') === n }, n)))),
      h('div', { class: 'field field-check' },
        f.overdue = h('input', { id: 'overdue', name: 'overdue', type: 'checkbox', checked: filters.get('overdue') === 'true' }),
        h('label', { for: 'overdue' }, 'Overdue only')),
      h('div', { class: 'field field-check' },
        f.follow_up_due = h('input', { id: 'follow_up_due', name: 'follow_up_due', type: 'checkbox', checked: filters.get('follow_up_due') === 'true' }),
        h('label', { for: 'follow_up_due' }, 'Follow-up due (closed)'))),
    h('div', { class: 'buttons' },
      h('button', { type: 'submit' }, 'Apply filters'),
      h('button', { type: 'button', class: 'secondary', onclick: () => ctx.navigate('#/queue') }, 'Clear filters')));

  function currentFilters() {
    const q = new URLSearchParams();
    for (const k of ['q', 'state', 'priority', 'category', 'assignee', 'received_from', 'received_to']) {
      const v = f[k].value.trim();
      if (v) q.set(k, v);
    }
    if (f.overdue.checked) q.set('overdue', 'true');
    if (f.follow_up_due.checked) q.set('follow_up_due', 'true');
    if (f.sort.value !== 'newest') q.set('sort', f.sort.value);
    if (f.limit.value !== '50') q.set('limit', f.limit.value);
    return cleanQuery(q);
  }
  filterForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const q = currentFilters().toString();
    const target = q ? `#/queue?${q}` : '#/queue';
    if (window.location.hash === target) ctx.refresh();
    else ctx.navigate(target);
  });

  // --- Results ---
  const status = h('p', { class: 'result-status', role: 'status' });
  const results = h('div', { class: 'results' });
  const prev = h('button', { type: 'button', class: 'secondary', disabled: true }, '← Previous page');
  const next = h('button', { type: 'button', class: 'secondary', disabled: true }, 'Next page →');
  const pager = h('nav', { class: 'pager', 'aria-label': 'Pages' }, prev, h('span', { class: 'page-no' }), next);

  async function load() {
    const q = new URLSearchParams(filters);
    const cursor = page.cursors[page.index];
    if (cursor) q.set('cursor', cursor);
    status.textContent = 'Loading…';
    try {
      const data = await get(`/complaints${q.toString() ? `?${q}` : ''}`);
      page.items = data.items || [];
      page.next = data.next_cursor || null;
      drawTable();
      status.textContent = page.items.length
        ? `Page ${page.index + 1}: ${page.items.length} complaint${page.items.length === 1 ? '' : 's'}.`
        : 'No complaints match these filters.';
    } catch (err) {
      clear(results);
      results.append(h('div', { class: 'alert', role: 'alert' }, h('p', {}, err.message),
        ...(err.fieldErrors || []).map((e) => h('p', {}, `${e.pointer.replace('/query/', '')}: ${e.detail}`))));
      status.textContent = '';
    }
    prev.disabled = page.index === 0;
    next.disabled = !page.next;
    pager.querySelector('.page-no').textContent = `Page ${page.index + 1}`;
  }
  prev.addEventListener('click', () => { if (page.index > 0) { page.index -= 1; load(); } });
  next.addEventListener('click', () => {
    if (!page.next) return;
    page.cursors[page.index + 1] = page.next;
    page.index += 1;
    load();
  });

  function sortedItems() {
    if (!page.sort) return page.items;
    const { key, dir } = page.sort;
    return [...page.items].sort((a, b) => {
      const x = a[key] ?? '';
      const y = b[key] ?? '';
      return (x < y ? -1 : x > y ? 1 : 0) * dir;
    });
  }

  function drawTable() {
    clear(results);
    if (!page.items.length) return;
    const now = Date.now();
    const headRow = h('tr', {}, COLUMNS.map((col) => {
      const sorted = page.sort?.key === col.key;
      const ariaSort = sorted ? (page.sort.dir > 0 ? 'ascending' : 'descending') : 'none';
      return h('th', { scope: 'col', 'aria-sort': ariaSort },
        h('button', { type: 'button', class: 'sort', onclick: () => {
          page.sort = { key: col.key, dir: sorted && page.sort.dir > 0 ? -1 : 1 };
          drawTable();
          results.querySelector(`th:nth-child(${COLUMNS.indexOf(col) + 1}) button`)?.focus();
          announce(`Sorted this page by ${col.label}, ${page.sort.dir > 0 ? 'ascending' : 'descending'}.`);
        } }, col.label, h('span', { class: 'sort-mark', 'aria-hidden': 'true' }, sorted ? (page.sort.dir > 0 ? ' ▲' : ' ▼') : ' ↕')));
    }), h('th', { scope: 'col' }, 'Attention'));
    const rows = sortedItems().map((item) => {
      const u = urgency(item, now);
      return h('tr', { class: u ? `row-${u}` : undefined, dataset: { reference: item.reference } },
        h('th', { scope: 'row' }, h('a', { href: `#/complaints/${encodeURIComponent(item.reference)}` }, item.reference)),
        h('td', {}, humanize(item.state)),
        h('td', {}, item.priority || ''),
        h('td', {}, item.category || ''),
        h('td', {}, item.product || ''),
        h('td', {}, item.assignee || h('span', { class: 'muted' }, 'Unassigned')),
        h('td', {}, formatDate(item.received_at)),
        h('td', {}, formatDate(item.due)),
        h('td', {}, u === 'overdue' ? h('span', { class: 'badge badge-overdue' }, 'Overdue')
          : u === 'soon' ? h('span', { class: 'badge badge-soon' }, 'Due within 2 days') : ''));
    });
    const table = h('table', { class: 'queue-table' },
      h('caption', {}, 'Complaints', h('span', { class: 'hint' }, ' — column buttons sort the rows of this page')),
      h('thead', {}, headRow), h('tbody', {}, rows));
    results.append(tableWrap(table, 'Complaints table'));
  }

  view.append(filterForm, viewsBox, h('section', { 'aria-labelledby': 'results-h' },
    h('h2', { id: 'results-h' }, 'Results'), status, results, pager));
  await Promise.all([loadViews(''), load()]);
  return 'Queue';
}
