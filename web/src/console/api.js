// The console talks to the JSON API (/api/v1) with the session cookie. Every request other
// than GET carries the session's CSRF token (from GET /api/v1/me) as X-CSRF-Token.
// Errors are RFC 9457 problem details; they are thrown as ApiError.

let csrfToken = '';

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }

  // [{pointer: '/severity', detail: 'is required'}, ...]
  get fieldErrors() {
    return Array.isArray(this.problem.errors) ? this.problem.errors : [];
  }
}

export function setCsrfToken(token) {
  csrfToken = token || '';
}

export function hasCsrfToken() {
  return csrfToken !== '';
}

// api('GET', '/complaints?state=received'); api('POST', '/users', {...});
// A Blob or File body is sent raw with its own type (attachments).
export async function api(method, path, body, { contentType } = {}) {
  const headers = { Accept: 'application/json, application/problem+json' };
  let payload;
  if (body instanceof Blob) {
    payload = body;
    headers['Content-Type'] = contentType || body.type || 'application/octet-stream';
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    headers['Content-Type'] = 'application/json';
  }
  if (method !== 'GET' && method !== 'HEAD') headers['X-CSRF-Token'] = csrfToken;
  let res;
  try {
    res = await fetch(`/api/v1${path}`, { method, headers, body: payload, credentials: 'same-origin' });
  } catch (err) {
    throw new ApiError(0, { title: 'Network error', detail: `The service could not be reached (${err.message}).` });
  }
  if (res.status === 401) {
    // The session ended (logged out elsewhere, expired, user disabled): sign in again.
    window.location.assign('/console/login');
    throw new ApiError(401, { title: 'Signed out', detail: 'Your session has ended; please sign in again.' });
  }
  const type = res.headers.get('Content-Type') || '';
  const isJson = type.includes('json');
  if (!res.ok) {
    let problem = null;
    if (isJson) {
      try { problem = await res.json(); } catch { problem = null; }
    }
    throw new ApiError(res.status, problem || { title: res.statusText, detail: `The request failed (HTTP ${res.status}).` });
  }
  if (res.status === 204 || !isJson) return null;
  return res.json();
}

export const get = (path) => api('GET', path);
export const post = (path, body) => api('POST', path, body ?? {});

export async function logout() {
  try {
    await api('DELETE', '/session');
  } finally {
    window.location.assign('/console/login');
  }
}
