// 4 Contract: shared and per-role messages by direction, each with its kind, description,
// JSON Schema, its traffic as the capture file holds it plus what went by since the console
// started (count, errors, answer latency percentiles) and the most recent recorded payload (or a
// valid sample when none was recorded).
import { useEffect, useState } from 'preact/hooks';

import type { ContractView, MessageView } from '../../api/generated/api';
import { useConsole } from '../../app/context';
import { useLoad } from '../../app/hooks';
import { navigate } from '../../app/router';
import { Card, Empty, ErrorBox, Panel, RoleBadge } from '../../components/common';
import { JsonView } from '../../components/JsonView';
import { statsSourceText } from '../../state/contractStats';
import { count } from '../../state/format';

/** A duration in microseconds, as the contract's latency columns show it. */
const lat = (us: number | null) => (us === null ? '—' : us < 1000 ? `${us} µs` : us < 1_000_000 ? `${(us / 1000).toFixed(1)} ms` : `${(us / 1e6).toFixed(2)} s`);

/** Count, errors and answer latencies of a message in the capture and since the console started. */
function Stats({ m }: { m: MessageView }) {
  const s = m.stats;
  if (!s) return <span class="msg-stats muted" data-testid="msg-stats">no traffic yet</span>;
  return (
    <span class="msg-stats" data-testid="msg-stats">
      <span title={m.kind === 'request' ? 'requests received' : 'sent'}>{count(s.count)}×</span>
      {m.kind === 'request' && (
        <>
          <span class={s.errors ? 'warn' : 'muted'} title="answered with an error">{count(s.errors)} err</span>
          <span class="muted" title="answer latency: median · 95th · 99th percentile">
            p50 {lat(s.p50_us)} · p95 {lat(s.p95_us)} · p99 {lat(s.p99_us)}
          </span>
        </>
      )}
    </span>
  );
}

function Message({ m, role }: { m: MessageView; role: string | null }) {
  const [open, setOpen] = useState(false);
  const pushParams = (): Record<string, string> | null => {
    if (m.kind === 'request') return null;
    if (m.kind === 'topic') return role ? { target: 'role_topic', role, name: m.name } : { target: 'shared_topic', name: m.name };
    return role ? { target: 'conn', name: m.name } : { target: 'everyone', name: m.name };
  };
  const push = pushParams();
  // Try it: a request is sent, a topic subscribed, on a test connection of this role.
  const tryParams: Record<string, string> | null =
    m.kind === 'request' ? { role: role ?? '', request: m.name } : m.kind === 'topic' ? { ...(role ? { role } : {}), topic: m.name } : null;
  return (
    <div class={`message ${open ? 'open' : ''}`} data-testid={`msg-${role ?? 'shared'}-${m.name}`}>
      <div class="message-head" onClick={() => setOpen(!open)}>
        <span class={`badge kind-${m.kind}`}>{m.kind}</span>
        <span class="mono name">{m.name}</span>
        <span class="muted grow">{m.description ?? ''}</span>
        <Stats m={m} />
        {push && (
          <button class="btn small" type="button" onClick={(e) => { e.stopPropagation(); navigate('push', push); }}>
            Push…
          </button>
        )}
        {tryParams && (
          <button class="btn small" type="button" data-testid={`try-${role ?? 'shared'}-${m.name}`} onClick={(e) => { e.stopPropagation(); navigate('try', tryParams); }}>
            Try it
          </button>
        )}
        <span class="caret">{open ? '▾' : '▸'}</span>
      </div>
      {open && (
        <div class="message-body grid2">
          <div>
            <h4>{m.kind === 'request' ? 'Input schema' : 'Payload schema'}</h4>
            <JsonView value={m.schema} />
            {m.output !== null && m.output !== undefined && (
              <>
                <h4>Output schema</h4>
                <JsonView value={m.output} />
              </>
            )}
          </div>
          <div>
            {m.recorded !== null && m.recorded !== undefined ? (
              <>
                <h4>Most recent recorded payload</h4>
                <JsonView value={m.recorded} />
              </>
            ) : (
              <>
                <h4>Sample (nothing recorded yet)</h4>
                <JsonView value={m.sample} />
              </>
            )}
          </div>
        </div>
      )}
    </div>
  );
}

function Section({ title, items, role }: { title: string; items: MessageView[]; role: string | null }) {
  if (items.length === 0) return null;
  return (
    <div class="contract-section">
      <h3>{title}</h3>
      {items.map((m) => <Message key={m.name} m={m} role={role} />)}
    </div>
  );
}

export function ContractPanel() {
  const c = useConsole();
  const { data, error, reload } = useLoad(() => c.api.get<ContractView>('/api/contract'), []);
  const [q, setQ] = useState('');
  // The capture's earlier rows are read in the background at start: look again until they are in.
  useEffect(() => {
    if (!data?.stats_source.loading) return;
    const t = setTimeout(reload, 1000);
    return () => clearTimeout(t);
  }, [data]);
  const match = (m: MessageView) =>
    !q || m.name.toLowerCase().includes(q.toLowerCase()) || (m.description ?? '').toLowerCase().includes(q.toLowerCase());
  return (
    <Panel
      title="Contract"
      testId="panel-contract"
      actions={<input placeholder="Filter messages" value={q} onInput={(e) => setQ((e.target as HTMLInputElement).value)} />}
    >
      <ErrorBox error={error} onRetry={reload} />
      {data && (
        <>
          <div class={`muted stats-source ${data.stats_source.error ? 'warn' : ''}`} data-testid="contract-stats-source">
            {statsSourceText(data.stats_source)}
          </div>
          <Card title="Shared (every role)">
            {data.shared.length === 0 ? (
              <Empty title="Nothing shared">Shared events can be broadcast to mixed-role rooms; shared topics form the bus.</Empty>
            ) : (
              <Section title="Server → client" items={data.shared.filter(match)} role={null} />
            )}
          </Card>
          {data.roles.map((r) => (
            <Card key={r.role} title={`Role ${r.role}`} actions={<RoleBadge role={r.role} />}>
              <Section title="Client → server" items={r.requests.filter(match)} role={r.role} />
              <Section title="Server → client" items={r.events.filter(match)} role={r.role} />
              {r.requests.length === 0 && r.events.length === 0 && <div class="muted">This role declares nothing.</div>}
            </Card>
          ))}
          <Card title="As a contract file">
            <JsonView value={data.spec} maxHeight="400px" />
          </Card>
        </>
      )}
    </Panel>
  );
}
