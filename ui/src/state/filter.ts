// The traffic filter as a form (strings people type) and as the API's TrafficFilter.
import type { TapKind, TrafficFilter } from '../api/generated/api';
import { fromLocalInput } from './format';

export interface FilterForm {
  kinds: TapKind[];
  name: string;
  role: string;
  room: string;
  topic: string;
  conn: string;
  user: string;
  text: string;
  /** `datetime-local` values. */
  since: string;
  until: string;
}

export const KIND_GROUPS: { label: string; kinds: TapKind[] }[] = [
  { label: 'Requests', kinds: ['request_in', 'response_out', 'error_out'] },
  { label: 'Pushes', kinds: ['emit', 'to_conn', 'to_user', 'room_broadcast', 'broadcast'] },
  { label: 'Topics & bus', kinds: ['role_publish', 'shared_publish', 'bus_local', 'bus_out', 'bus_in', 'bus_in_rejected'] },
  { label: 'Server requests', kinds: ['server_request', 'server_reply', 'server_reply_error'] },
  { label: 'Membership', kinds: ['room_add', 'room_remove', 'subscribe', 'unsubscribe', 'subscribe_denied'] },
  { label: 'Lifecycle', kinds: ['connect', 'disconnect', 'heartbeat_reap', 'slow_consumer', 'auth_refused', 'frame_error'] },
];

export function emptyForm(): FilterForm {
  return { kinds: [], name: '', role: '', room: '', topic: '', conn: '', user: '', text: '', since: '', until: '' };
}

/** `a, b` -> ['a', 'b']; empty -> []. */
export function list(s: string): string[] {
  return s
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x.length > 0);
}

export function formToFilter(f: FilterForm, withTime = true): TrafficFilter {
  return {
    since_us: withTime ? fromLocalInput(f.since) : null,
    until_us: withTime ? fromLocalInput(f.until) : null,
    kinds: f.kinds,
    names: list(f.name),
    roles: list(f.role),
    rooms: list(f.room),
    topics: list(f.topic),
    conns: list(f.conn),
    users: list(f.user),
    origins: [],
    text: f.text.trim() ? f.text.trim() : null,
  };
}

const FIELDS = ['name', 'role', 'room', 'topic', 'conn', 'user', 'text'] as const;

/** A form prefilled from route parameters (`#/traffic?conn=...&room=...&kind=emit,to_conn`). */
export function formFromParams(params: Record<string, string>): FilterForm {
  const f = emptyForm();
  for (const k of FIELDS) if (params[k]) f[k] = params[k];
  if (params.kind) f.kinds = list(params.kind) as TapKind[];
  return f;
}

/** The route parameters that reproduce a form (for links such as "export this selection"). */
export function formToParams(f: FilterForm): Record<string, string> {
  const p: Record<string, string> = {};
  for (const k of FIELDS) if (f[k].trim()) p[k] = f[k].trim();
  if (f.kinds.length) p.kind = f.kinds.join(',');
  return p;
}

export function isEmpty(f: FilterForm): boolean {
  return f.kinds.length === 0 && FIELDS.every((k) => !f[k].trim()) && !f.since && !f.until;
}
