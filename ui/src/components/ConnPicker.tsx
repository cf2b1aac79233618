// A text field that suggests live connections as you type (by id, user, role, room or topic,
// searched by the API): pick one to fill in its id, or its user when `pick` is 'user'. Typing
// a value by hand still works.
import { useEffect, useRef, useState } from 'preact/hooks';

import type { ConnPage, ConnRow } from '../api/generated/api';
import { useConsole } from '../app/context';
import { RoleBadge } from './common';

export function ConnPicker({ value, onChange, pick, placeholder, testId }: {
  value: string;
  onChange: (v: string) => void;
  pick: 'id' | 'user';
  placeholder?: string;
  testId?: string;
}) {
  const c = useConsole();
  const [open, setOpen] = useState(false);
  const [rows, setRows] = useState<ConnRow[]>([]);
  const [total, setTotal] = useState(0);
  const [active, setActive] = useState(0);
  const box = useRef<HTMLDivElement>(null);
  const seq = useRef(0);

  useEffect(() => {
    if (!open) return;
    const mine = ++seq.current;
    const t = setTimeout(() => {
      c.api.get<ConnPage>(`/api/connections?q=${encodeURIComponent(value.trim())}&limit=20`).then(
        (page) => {
          if (mine !== seq.current) return;
          // One suggestion per user when picking users.
          const seen = new Set<string>();
          setRows(pick === 'user' ? page.rows.filter((r) => !seen.has(r.user) && seen.add(r.user)) : page.rows);
          setTotal(page.total);
          setActive(0);
        },
        () => {},
      );
    }, 150);
    return () => clearTimeout(t);
  }, [value, open]);

  useEffect(() => {
    if (!open) return;
    const away = (e: Event) => {
      if (box.current && !box.current.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('pointerdown', away);
    return () => document.removeEventListener('pointerdown', away);
  }, [open]);

  const choose = (r: ConnRow | undefined) => {
    if (!r) return;
    onChange(pick === 'user' ? r.user : r.id);
    setOpen(false);
  };
  const key = (e: KeyboardEvent) => {
    if (!open) return;
    if (e.key === 'ArrowDown') {
      setActive((a) => Math.min(rows.length - 1, a + 1));
      e.preventDefault();
    } else if (e.key === 'ArrowUp') {
      setActive((a) => Math.max(0, a - 1));
      e.preventDefault();
    } else if (e.key === 'Enter' && rows[active]) {
      choose(rows[active]);
      e.preventDefault();
    } else if (e.key === 'Escape') setOpen(false);
  };

  return (
    <div class="picker" ref={box}>
      <input
        value={value}
        placeholder={placeholder}
        onFocus={() => setOpen(true)}
        onInput={(e) => {
          onChange((e.target as HTMLInputElement).value);
          setOpen(true);
        }}
        onKeyDown={key}
        data-testid={testId}
        autocomplete="off"
      />
      {open && (
        <div class="picker-menu" role="listbox" data-testid={testId ? `${testId}-menu` : undefined}>
          {rows.length === 0 && <div class="picker-empty muted">No connection matches.</div>}
          {rows.map((r, i) => (
            <div
              key={r.id}
              role="option"
              aria-selected={i === active}
              class={`picker-option ${i === active ? 'active' : ''}`}
              onPointerDown={(e) => {
                e.preventDefault();
                choose(r);
              }}
              data-conn={r.id}
            >
              <RoleBadge role={r.role} />
              <span class="ellipsis">{r.user}</span>
              <span class="mono muted">{pick === 'id' ? r.id : ''}</span>
            </div>
          ))}
          {total > rows.length && <div class="picker-empty muted">{total - rows.length} more: type to narrow</div>}
        </div>
      )}
    </div>
  );
}
