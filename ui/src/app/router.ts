// Hash routing: `#/rooms?room=lobby`. Every panel is reachable by URL, so a row can link to
// its connection or room and the back button works.
import { Store } from '../state/store';

export const PANELS = ['overview', 'rooms', 'connections', 'contract', 'traffic', 'push', 'export', 'replay', 'try'] as const;
export type PanelName = (typeof PANELS)[number];

export interface Route {
  panel: PanelName;
  params: Record<string, string>;
}

export function parseHash(hash: string): Route {
  const h = hash.replace(/^#\/?/, '');
  const [path, qs = ''] = h.split('?');
  const panel = (PANELS as readonly string[]).includes(path) ? (path as PanelName) : 'overview';
  const params: Record<string, string> = {};
  new URLSearchParams(qs).forEach((v, k) => {
    params[k] = v;
  });
  return { panel, params };
}

export function toHash(panel: PanelName, params: Record<string, string | undefined> = {}): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') qs.set(k, v);
  const s = qs.toString();
  return `#/${panel}${s ? `?${s}` : ''}`;
}

export const route = new Store<Route>(parseHash(typeof location !== 'undefined' ? location.hash : ''));

export function navigate(panel: PanelName, params: Record<string, string | undefined> = {}): void {
  const hash = toHash(panel, params);
  if (location.hash !== hash) location.hash = hash;
  else route.set(parseHash(hash));
}

export function startRouter(): void {
  window.addEventListener('hashchange', () => route.set(parseHash(location.hash)));
}
