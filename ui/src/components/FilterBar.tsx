// The traffic filter form shared by the Traffic and Export panels: kinds, name, role, room,
// topic, connection, user, payload text and (optionally) a time range with quick picks.
import { useState } from 'preact/hooks';

import type { TapKind } from '../api/generated/api';
import { KIND_GROUPS, emptyForm, type FilterForm } from '../state/filter';
import { toLocalInput } from '../state/format';

const QUICK: { label: string; secs: number | null }[] = [
  { label: '5 min', secs: 300 },
  { label: '1 h', secs: 3600 },
  { label: '24 h', secs: 86400 },
  { label: 'all', secs: null },
];

export function FilterBar({ form, onChange, withTime }: { form: FilterForm; onChange: (f: FilterForm) => void; withTime: boolean }) {
  const [kindsOpen, setKindsOpen] = useState(false);
  const set = (k: keyof FilterForm, v: string) => onChange({ ...form, [k]: v });
  const toggleKind = (k: TapKind) =>
    onChange({ ...form, kinds: form.kinds.includes(k) ? form.kinds.filter((x) => x !== k) : [...form.kinds, k] });
  const quick = (secs: number | null) =>
    onChange({ ...form, since: secs === null ? '' : toLocalInput(Date.now() * 1000 - secs * 1e6), until: '' });
  const field = (k: 'name' | 'role' | 'room' | 'topic' | 'conn' | 'user' | 'text', placeholder: string) => (
    <input
      class={`f-${k}`}
      placeholder={placeholder}
      value={form[k]}
      onInput={(e) => set(k, (e.target as HTMLInputElement).value)}
      data-testid={`filter-${k}`}
    />
  );
  return (
    <div class="filterbar">
      <div class="kinds-picker">
        <button type="button" class="btn" onClick={() => setKindsOpen(!kindsOpen)} data-testid="filter-kinds">
          {form.kinds.length ? `${form.kinds.length} kinds` : 'all kinds'} ▾
        </button>
        {kindsOpen && (
          <div class="kinds-menu" onMouseLeave={() => setKindsOpen(false)}>
            {KIND_GROUPS.map((g) => (
              <div key={g.label} class="kinds-group">
                <div class="kinds-label">{g.label}</div>
                {g.kinds.map((k) => (
                  <label key={k}>
                    <input type="checkbox" checked={form.kinds.includes(k)} onChange={() => toggleKind(k)} /> {k}
                  </label>
                ))}
              </div>
            ))}
            <button type="button" class="btn small" onClick={() => onChange({ ...form, kinds: [] })}>All kinds</button>
          </div>
        )}
      </div>
      {field('name', 'name')}
      {field('role', 'role')}
      {field('room', 'room')}
      {field('topic', 'topic')}
      {field('conn', 'connection')}
      {field('user', 'user')}
      {field('text', 'payload contains…')}
      {withTime && (
        <div class="timerange">
          <input type="datetime-local" step="1" value={form.since} onInput={(e) => set('since', (e.target as HTMLInputElement).value)} title="from" data-testid="filter-since" />
          <span>→</span>
          <input type="datetime-local" step="1" value={form.until} onInput={(e) => set('until', (e.target as HTMLInputElement).value)} title="until" data-testid="filter-until" />
          {QUICK.map((q) => (
            <button key={q.label} type="button" class="btn small" onClick={() => quick(q.secs)}>{q.label}</button>
          ))}
        </div>
      )}
      <button type="button" class="btn small" onClick={() => onChange(emptyForm())}>Clear</button>
    </div>
  );
}
