// The REST API client of the web UI: JSON in and out, the API's error shape
// {"error":{"code","message","field"?}} turned into an ApiError, and the API token — asked for
// once when a change is refused with 401, then kept in sessionStorage (this tab only) and sent
// as `Authorization: Bearer`. Reading needs no token (GET requests and the event stream).

const TOKEN_KEY = 'mls-api-token';

export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field || '';
  }
}

let askToken = async () => null;  // set by the app: shows the token dialog
export function setTokenPrompt(fn) { askToken = fn; }

export async function api(method, path, body) {
  for (let attempt = 0; ; attempt++) {
    const headers = {Accept: 'application/json'};
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (token) headers.Authorization = 'Bearer ' + token;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let response;
    try {
      response = await fetch(path, {method, headers, body: body === undefined ? undefined : JSON.stringify(body),
                                    cache: 'no-store'});
    } catch (e) {
      throw new ApiError(0, 'network', 'mlsd cannot be reached (' + e.message + ')');
    }
    if (response.status === 401 && attempt < 2) {
      sessionStorage.removeItem(TOKEN_KEY);
      const given = await askToken();
      if (given) { sessionStorage.setItem(TOKEN_KEY, given); continue; }
    }
    if (!response.ok) {
      let error = null;
      try { error = (await response.json()).error; } catch { /* not JSON */ }
      throw new ApiError(response.status, error?.code || 'http_' + response.status,
                         error?.message || `${response.status} ${response.statusText}`, error?.field);
    }
    if (response.status === 204) return null;
    const type = response.headers.get('Content-Type') || '';
    return type.includes('json') ? response.json() : response.text();
  }
}

export const enc = encodeURIComponent;
