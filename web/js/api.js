// The platform API (docs/api.md) as the portal uses it: JSON in and out, the session token
// kept in sessionStorage (gone when the tab closes) and sent as "Authorization: Bearer".
// Failures throw an ApiError carrying the HTTP status and the API's error code and message.

const TOKEN_KEY = 'dorf.token';
const USER_KEY = 'dorf.user';

export class ApiError extends Error {
    constructor(status, code, message, body) {
        super(message);
        this.status = status;
        this.code = code;
        this.body = body;
    }
}

export function token() {
    return sessionStorage.getItem(TOKEN_KEY);
}

// The logged-in user as /api/login answered ({id, name, email, roles}), or null.
export function currentUser() {
    try {
        return JSON.parse(sessionStorage.getItem(USER_KEY));
    } catch {
        return null;
    }
}

export function hasRole(role) {
    const user = currentUser();
    return !!user && user.roles.includes(role);
}

export function authHeaders() {
    const tok = token();
    return tok ? { Authorization: `Bearer ${tok}` } : {};
}

export async function api(method, path, body) {
    const headers = { Accept: 'application/json', ...authHeaders() };
    const init = { method, headers };
    if (body !== undefined) {
        headers['Content-Type'] = 'application/json';
        init.body = JSON.stringify(body);
    }
    let res;
    try {
        res = await fetch(path, init);
    } catch (e) {
        throw new ApiError(0, 'network', e.message);
    }
    const text = await res.text();
    let data = null;
    if (text) {
        try {
            data = JSON.parse(text);
        } catch {
            data = null;
        }
    }
    if (!res.ok) {
        const err =
            data && data.error ? data.error : { code: 'http', message: `HTTP ${res.status}` };
        if (res.status === 401 && token()) forgetSession();
        throw new ApiError(res.status, err.code, err.message, data);
    }
    return data;
}

export const get = (path) => api('GET', path);
export const post = (path, body) => api('POST', path, body ?? {});

export async function login(email, password) {
    const data = await post('/api/login', { email, password });
    sessionStorage.setItem(TOKEN_KEY, data.token);
    sessionStorage.setItem(USER_KEY, JSON.stringify(data.user));
    return data.user;
}

export async function logout() {
    try {
        if (token()) await post('/api/logout');
    } finally {
        forgetSession();
    }
}

function forgetSession() {
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(USER_KEY);
    window.dispatchEvent(new Event('dorf:session'));
}

// Polls a job (docs/api.md, "Jobs") until it is done or failed; resolves to its result.
export async function waitForJob(href, { intervalMs = 300, timeoutMs = 60000 } = {}) {
    const end = Date.now() + timeoutMs;
    for (;;) {
        const job = await get(href);
        if (job.state === 'done') return job.result;
        if (job.state === 'failed') {
            const e = job.result && job.result.error ? job.result.error : { code: 'job_failed' };
            throw new ApiError(500, e.code, e.message || 'the job failed');
        }
        if (Date.now() > end) throw new ApiError(0, 'timeout', 'the job takes too long');
        await new Promise((r) => setTimeout(r, intervalMs));
    }
}

// Reads a Server-Sent Events stream with fetch(), because EventSource cannot send the
// Authorization header the DorfFunk stream needs. Calls onEvent({event, id, data}) for each
// event; reconnects after `retry` ms with ?after=<last id>. Returns a function that stops it.
export function openEventStream(path, onEvent, onState = () => {}) {
    const controller = new AbortController();
    let lastId = null;
    let retryMs = 3000;
    let stopped = false;
    async function run() {
        while (!stopped) {
            try {
                const url = lastId ? `${path}?after=${encodeURIComponent(lastId)}` : path;
                const res = await fetch(url, {
                    headers: { Accept: 'text/event-stream', ...authHeaders() },
                    signal: controller.signal,
                });
                if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
                onState('open');
                const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
                let buffer = '';
                for (;;) {
                    const { value, done } = await reader.read();
                    if (done) break;
                    buffer += value;
                    let cut;
                    while ((cut = buffer.search(/\r?\n\r?\n/)) >= 0) {
                        const block = buffer.slice(0, cut);
                        buffer = buffer.slice(cut).replace(/^\r?\n\r?\n/, '');
                        const ev = { event: 'message', id: null, data: '' };
                        for (const line of block.split(/\r?\n/)) {
                            if (!line || line.startsWith(':')) continue;
                            const colon = line.indexOf(':');
                            const field = colon < 0 ? line : line.slice(0, colon);
                            const val = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
                            if (field === 'event') ev.event = val;
                            else if (field === 'id') ev.id = val;
                            else if (field === 'data') ev.data += (ev.data ? '\n' : '') + val;
                            else if (field === 'retry' && /^\d+$/.test(val)) retryMs = Number(val);
                        }
                        if (ev.id) lastId = ev.id;
                        if (ev.data) onEvent(ev);
                    }
                }
            } catch (e) {
                if (stopped) return;
            }
            if (stopped) return;
            onState('closed');
            await new Promise((r) => setTimeout(r, retryMs));
        }
    }
    run();
    return () => {
        stopped = true;
        controller.abort();
    };
}
