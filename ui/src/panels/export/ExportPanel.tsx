// 7 Export: a time range and filters, a format, redaction; in the window the backend opens a
// native save dialog, in a browser the file downloads.
import { useState } from 'preact/hooks';

import type { ExportFormatName, ExportRequest, ExportResult } from '../../api/generated/api';
import { useConsole } from '../../app/context';
import { Card, ErrorBox, Panel } from '../../components/common';
import { FilterBar } from '../../components/FilterBar';
import { formFromParams, formToFilter, list, type FilterForm } from '../../state/filter';
import { bytes, count } from '../../state/format';
import { useStore } from '../../state/store';

const FORMATS: { id: ExportFormatName; label: string; what: string }[] = [
  { id: 'jsonl', label: 'JSONL', what: 'A header line, then one JSON row per line. Re-importable.' },
  { id: 'csv', label: 'CSV', what: 'One row per line, times in UTC. For spreadsheets.' },
  { id: 'har', label: 'HAR', what: 'HAR 1.2 with WebSocket messages: opens in browser devtools.' },
  { id: 'sqlite', label: 'SQLite', what: 'A capture file with just the selection. Re-importable.' },
];

/** Start a browser download of `url` (the backend sends it as an attachment). */
function download(url: string, name: string) {
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
}

export function ExportPanel({ params }: { params: Record<string, string> }) {
  const c = useConsole();
  const host = useStore(c.host);
  const [form, setForm] = useState<FilterForm>(() => formFromParams(params));
  const [format, setFormat] = useState<ExportFormatName>('jsonl');
  const [defaultKeys, setDefaultKeys] = useState(true);
  const [keys, setKeys] = useState('');
  const [paths, setPaths] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<ExportResult[]>([]);
  const inWindow = host?.mode === 'window';

  const run = async () => {
    setBusy(true);
    setError(null);
    const req: ExportRequest = {
      filter: formToFilter(form, true),
      format,
      redaction: { default_keys: defaultKeys, keys: list(keys), paths: paths.split('\n').map((p) => p.trim()).filter(Boolean) },
      save: inWindow ? 'native' : 'download',
    };
    try {
      const r = await c.api.post<ExportResult>('/api/exports', req);
      if (r.id) download(c.api.url(`/api/exports/${r.id}`), r.file_name);
      setDone((d) => [r, ...d].slice(0, 10));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Panel title="Export" testId="panel-export">
      <Card title="What">
        <FilterBar form={form} onChange={setForm} withTime={true} />
        <div class="muted">Leave the range empty to export everything recorded{host?.capture_path ? ` in ${host.capture_path}` : ''}.</div>
        {form.regex && form.text.trim() && (
          <div class="warn" data-testid="export-regex-note">
            Exports select by substring: the regular expression “{form.text.trim()}” is left out, so every row the other fields select is exported.
          </div>
        )}
      </Card>
      <div class="grid2">
        <Card title="Format">
          <div class="formats" data-testid="export-formats">
            {FORMATS.map((f) => (
              <label key={f.id} class={`format ${format === f.id ? 'on' : ''}`}>
                <input type="radio" name="format" checked={format === f.id} onChange={() => setFormat(f.id)} data-testid={`format-${f.id}`} />
                <b>{f.label}</b>
                <span class="muted">{f.what}</span>
              </label>
            ))}
          </div>
        </Card>
        <Card title="Redaction">
          <label class="check">
            <input type="checkbox" checked={defaultKeys} onChange={() => setDefaultKeys(!defaultKeys)} />
            Mask values under secret-looking keys (token, password, secret, cookie, authorization, api key…)
          </label>
          <label>More keys to mask (comma-separated)</label>
          <input value={keys} onInput={(e) => setKeys((e.target as HTMLInputElement).value)} placeholder="email, phone" />
          <label>JSON paths to mask (one per line)</label>
          <textarea class="mono" rows={3} value={paths} onInput={(e) => setPaths((e.target as HTMLTextAreaElement).value)} placeholder={'$.auth.token\n$.items[*].card'} />
          <div class="muted">A masked value reads [redacted:…]; the same secret gets the same mask within one export.</div>
        </Card>
      </div>
      <div class="row">
        <button class="btn primary big" type="button" onClick={run} disabled={busy} data-testid="export-run">
          {busy ? 'Exporting…' : inWindow ? 'Export and save…' : 'Export and download'}
        </button>
      </div>
      <ErrorBox error={error} onRetry={run} />
      {done.length > 0 && (
        <Card title="This session's exports">
          <table class="table" data-testid="export-results">
            <thead><tr><th>file</th><th class="num">rows</th><th class="num">size</th><th>where</th></tr></thead>
            <tbody>
              {done.map((r, i) => (
                <tr key={i}>
                  <td class="mono">{r.file_name}</td>
                  <td class="num">{r.cancelled ? '—' : count(r.rows)}</td>
                  <td class="num">{r.cancelled ? '—' : bytes(r.bytes)}</td>
                  <td>
                    {r.cancelled ? 'cancelled' : r.saved_to ? <span class="mono">{r.saved_to}</span> : r.id ? (
                      <a href={c.api.url(`/api/exports/${r.id}`)} download={r.file_name}>download again</a>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
      )}
    </Panel>
  );
}
