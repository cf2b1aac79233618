// Pretty JSON with light highlighting and a copy button.
import { useState } from 'preact/hooks';

export function pretty(value: unknown): string {
  if (value === undefined) return '';
  try {
    return JSON.stringify(value, null, 2);
  } catch {
    return String(value);
  }
}

const TOKEN = /("(?:\\.|[^"\\])*")(\s*:)?|\b(true|false|null)\b|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/g;

/** Splits pretty JSON into spans by token class (keys, strings, literals, numbers). */
export function highlight(text: string): { text: string; cls: string }[] {
  const out: { text: string; cls: string }[] = [];
  let last = 0;
  for (const m of text.matchAll(TOKEN)) {
    const i = m.index ?? 0;
    if (i > last) out.push({ text: text.slice(last, i), cls: '' });
    if (m[1]) {
      out.push({ text: m[1], cls: m[2] ? 'j-key' : 'j-str' });
      if (m[2]) out.push({ text: m[2], cls: '' });
    } else if (m[3]) out.push({ text: m[3], cls: 'j-lit' });
    else out.push({ text: m[0], cls: 'j-num' });
    last = i + m[0].length;
  }
  if (last < text.length) out.push({ text: text.slice(last), cls: '' });
  return out;
}

export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const area = document.createElement('textarea');
    area.value = text;
    document.body.appendChild(area);
    area.select();
    const ok = document.execCommand('copy');
    area.remove();
    return ok;
  }
}

export function JsonView({ value, text, maxHeight }: { value?: unknown; text?: string | null; maxHeight?: string }) {
  const [copied, setCopied] = useState(false);
  const body = text ?? pretty(value);
  const onCopy = async () => {
    setCopied(await copyText(body));
    setTimeout(() => setCopied(false), 1200);
  };
  return (
    <div class="json">
      <button class="btn small json-copy" onClick={onCopy} type="button">
        {copied ? 'Copied' : 'Copy'}
      </button>
      <pre style={maxHeight ? { maxHeight } : undefined}>
        {text !== undefined && text !== null
          ? text
          : highlight(body).map((t, i) => (t.cls ? <span key={i} class={t.cls}>{t.text}</span> : t.text))}
      </pre>
    </div>
  );
}
