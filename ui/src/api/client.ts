// The console API over HTTP. Every call carries the per-run token (from the page's URL) as a
// bearer header; failures become ApiError with the server's sentence and schema issues.
import type { ApiErrorBody, ApiIssue } from './generated/api';

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly issues: ApiIssue[];
  constructor(status: number, body: Partial<ApiErrorBody> | null, fallback: string) {
    super(body?.error ?? fallback);
    this.status = status;
    this.code = body?.code ?? 'internal';
    this.issues = body?.issues ?? [];
  }
}

export class ApiClient {
  constructor(readonly token: string, readonly base: string = '') {}

  /** A URL that carries the token in its query: for the WebSocket and for downloads. */
  url(path: string): string {
    const sep = path.includes('?') ? '&' : '?';
    return `${this.base}${path}${sep}token=${encodeURIComponent(this.token)}`;
  }

  /** The WebSocket URL of `path` on the same host as the page (or `base`). */
  wsUrl(path: string): string {
    const origin = this.base || location.origin;
    return `${origin.replace(/^http/, 'ws')}${path}?token=${encodeURIComponent(this.token)}`;
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(this.base + path, {
        method,
        headers: {
          Authorization: `Bearer ${this.token}`,
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (e) {
      throw new ApiError(0, null, `the console backend cannot be reached (${String(e)})`);
    }
    const text = await res.text();
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = null;
    }
    if (!res.ok) {
      throw new ApiError(res.status, parsed as ApiErrorBody | null, `${res.status} ${res.statusText}`);
    }
    return parsed as T;
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }
  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('POST', path, body ?? {});
  }
  del<T>(path: string): Promise<T> {
    return this.request<T>('DELETE', path);
  }
}

/** Builds a query string from the defined values. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const parts = Object.entries(params)
    .filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
  return parts.length ? `?${parts.join('&')}` : '';
}

/** The token this page was opened with (`?token=...`). */
export function tokenFromLocation(search: string): string | null {
  return new URLSearchParams(search).get('token');
}
