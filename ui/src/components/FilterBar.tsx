// The traffic filter form shared by the Traffic and Export panels: kinds, name, role, room,
// topic, connection, user, payload text and (optionally) a time range with quick picks.
import { useEffect, useRef, useState } from 'preact/hooks';

import type { TapKind } from '../api/generated/api';
import { KIND_GROUPS, PROBLEM_KINDS, emptyForm, isProblems, type FilterForm } from '../state/filter';
import { toLocalInput } from '../state/format';
import { useAttachMode } from '../app/NodesStatus';

const QUICK: { label: string; secs: number | null }[] = [
  { label: '5 min', secs: 300 },
  { label: '1 h', secs: 3600 },
  { label: '24 h', secs: 86400 },
  { label: 'all', secs: null },
];

export interface FilterBarProps {
  form: FilterForm;
  onChange: (f: FilterForm) => void;
  withTime: boolean;
  /** Offer the regular-expression switch for the text (applied in the browser). */
  withRegex?: boolean;
  /** Why the text is not a valid regular expression. */
  textError?: string | null;
}

export function FilterBar({ form, onChange, withTime, withRegex, textError }: FilterBarProps) {
  const [kindsOpen, setKindsOpen] = useState(false);
  const attach = useAttachMode();
  const picker = useRef<HTMLDivElement>(null);
  // The menu closes on a click elsewhere or Escape.
  useEffect(() => {
    if (!kindsOpen) return;
    const away = (e: Event) => {
      if (picker.current && !picker.current.contains(e.target as Node)) setKindsOpen(false);
    };
    const esc = (e: KeyboardEvent) => e.key === 'Escape' && setKindsOpen(false);
    document.addEventListener('pointerdown', away);
    document.addEventListener('keydown', esc);
    return () => {
      document.removeEventListener('pointerdown', away);
      document.removeEventListener('keydown', esc);
    };
  }, [kindsOpen]);
  const problems = isProblems(form.kinds);
  const setKinds = (kinds: TapKind[]) => onChange({ ...form, kinds });
  const set = (k: keyof FilterForm, v: string) => onChange({ ...form, [k]: v });
  const toggleKind = (k: TapKind) =>
    onChange({ ...form, kinds: form.kinds.includes(k) ? form.kinds.filter((x) => x !== k) : [...form.kinds, k] });
  const quick = (secs: number | null) =>
    onChange({ ...form, since: secs === null ? '' : toLocalInput(Date.now() * 1000 - secs * 1e6), until: '' });
  const field = (k: 'name' | 'role' | 'room' | 'topic' | 'conn' | 'user' | 'node' | 'text', placeholder: string, invalid = false) => (
    <input
      class={`f-${k} ${invalid ? 'invalid' : ''}`}
      placeholder={placeholder}
      value={form[k]}
      onInput={(e) => set(k, (e.target as HTMLInputElement).value)}
      aria-invalid={invalid}
      data-testid={`filter-${k}`}
    />
  );
  return (
    <div class="filterbar-wrap">
      <div class="filterbar">
        <div class="kinds-picker" ref={picker}>
          <button type="button" class={`btn ${form.kinds.length ? 'on' : ''}`} onClick={() => setKindsOpen(!kindsOpen)} data-testid="filter-kinds" aria-expanded={kindsOpen}>
            {problems ? 'problems' : form.kinds.length ? `${form.kinds.length} ${form.kinds.length === 1 ? 'kind' : 'kinds'}` : 'all kinds'} ▾
          </button>
          {kindsOpen && (
            <div class="kinds-menu" data-testid="kinds-menu">
              <div class="kinds-presets">
                <button type="button" class={`btn small ${form.kinds.length === 0 ? 'on' : ''}`} onClick={() => setKinds([])}>All kinds</button>
                <button type="button" class={`btn small ${problems ? 'on' : ''}`} onClick={() => setKinds([...PROBLEM_KINDS])} title={PROBLEM_KINDS.join(', ')}>Problems</button>
              </div>
              {KIND_GROUPS.map((g) => (
                <fieldset key={g.label} class="kinds-group">
                  <legend class="kinds-label">{g.label}</legend>
                  {g.kinds.map((k) => (
                    <label key={k} class="kind-option">
                      <input type="checkbox" checked={form.kinds.includes(k)} onChange={() => toggleKind(k)} data-kind={k} />
                      <span class={`kind k-${k}`}>{k}</span>
                    </label>
                  ))}
                </fieldset>
              ))}
            </div>
          )}
        </div>
        <button
          type="button"
          class={`btn ${problems ? 'on' : ''}`}
          onClick={() => setKinds(problems ? [] : [...PROBLEM_KINDS])}
          title={`Only what went wrong: ${PROBLEM_KINDS.join(', ')}`}
          data-testid="filter-problems"
        >
          ⚠ Problems
        </button>
        {field('name', 'name')}
        {field('role', 'role')}
        {field('room', 'room')}
        {field('topic', 'topic')}
        {field('conn', 'connection')}
        {field('user', 'user')}
        {attach && field('node', 'node')}
        <div class="textfilter">
          {field('text', form.regex ? 'payload matches /regex/…' : 'payload contains…', !!textError)}
          {withRegex && (
            <button
              type="button"
              class={`btn regex ${form.regex ? 'on' : ''}`}
              onClick={() => onChange({ ...form, regex: !form.regex })}
              title="Treat the text as a regular expression (case-insensitive)"
              aria-pressed={form.regex}
              data-testid="filter-regex"
            >
              .*
            </button>
          )}
        </div>
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
      {textError && (
        <div class="filter-error" role="alert" data-testid="filter-error">
          {textError}. The text filter is left out until the expression is fixed.
        </div>
      )}
    </div>
  );
}
