// Pretty-printed JSON whose values at the given paths are highlighted. Paths are written the way
// the replay engine writes them (`$.d.text`, `$.items[0]`, `$['odd key']`), so the report's diff
// paths can be looked up as they are.
import type { ComponentChildren } from 'preact';

const PLAIN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The path of `key` (an object key or an array index) below `parent`. */
export function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  if (PLAIN.test(key)) return `${parent}.${key}`;
  return `${parent}['${key.replace(/['\\]/g, (c) => `\\${c}`)}']`;
}

function scalar(v: unknown): { text: string; cls: string } {
  if (v === null) return { text: 'null', cls: 'j-null' };
  if (typeof v === 'string') return { text: JSON.stringify(v), cls: 'j-str' };
  if (typeof v === 'number') return { text: String(v), cls: 'j-num' };
  if (typeof v === 'boolean') return { text: String(v), cls: 'j-bool' };
  return { text: JSON.stringify(v) ?? 'undefined', cls: '' };
}

function render(v: unknown, path: string, marks: Set<string>, indent: string): ComponentChildren {
  const mark = (c: ComponentChildren) => (marks.has(path) ? <mark class="diff-hit" data-path={path}>{c}</mark> : c);
  if (Array.isArray(v)) {
    if (v.length === 0) return mark('[]');
    const inner = indent + '  ';
    return mark(
      <>
        {'[\n'}
        {v.map((x, i) => (
          <>
            {inner}
            {render(x, childPath(path, i), marks, inner)}
            {i < v.length - 1 ? ',\n' : '\n'}
          </>
        ))}
        {indent + ']'}
      </>,
    );
  }
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>);
    if (entries.length === 0) return mark('{}');
    const inner = indent + '  ';
    return mark(
      <>
        {'{\n'}
        {entries.map(([k, x], i) => {
          const p = childPath(path, k);
          return (
            <>
              {inner}
              <span class={marks.has(p) ? 'j-key diff-key' : 'j-key'}>{JSON.stringify(k)}</span>
              {': '}
              {render(x, p, marks, inner)}
              {i < entries.length - 1 ? ',\n' : '\n'}
            </>
          );
        })}
        {indent + '}'}
      </>,
    );
  }
  const s = scalar(v);
  return mark(<span class={s.cls}>{s.text}</span>);
}

/** `value` as indented JSON, the values at `paths` highlighted; `null`/absent shows a dash. */
export function DiffJson({ value, paths, testId }: { value: unknown; paths: string[]; testId?: string }) {
  if (value === undefined || value === null) return <pre class="json diff-json muted" data-testid={testId}>— nothing —</pre>;
  return (
    <pre class="json diff-json" data-testid={testId}>
      {render(value, '$', new Set(paths), '')}
    </pre>
  );
}
