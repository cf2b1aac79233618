// 1 Overview: nodes, connections per role, rooms, topics, message rates, the recorder, and the
// server's limits reached (slow consumers, refused joins, dropped handshakes) in plain words.
import { useEffect, useState } from 'preact/hooks';

import type { Overview } from '../../api/generated/api';
import { useConsole } from '../../app/context';
import { usePoll } from '../../app/hooks';
import { navigate } from '../../app/router';
import { Card, Empty, ErrorBox, Panel, RoleBadge, Stat, roleColor } from '../../components/common';
import { bytes, count } from '../../state/format';
import { limitsReached, limitsTotal } from '../../state/limits';
import { mergeRates, recentErrors, total } from '../../state/rates';
import { useStore } from '../../state/store';
import { CONNECTION_LINES, RATE_LINES, TimeChart } from './RateChart';

const RANGES = [1, 5, 10];

/** What the nodes tile says about them: attached ones (attach mode), or how they are joined. */
function nodesHint(overview: Overview | null): string {
  if (overview?.transport === 'attach') {
    const attached = overview.nodes.filter((n) => n.alive).length;
    return attached === overview.nodes.length ? 'attached' : `${attached} attached, ${overview.nodes.length - attached} not`;
  }
  if (overview?.transport === 'proxy') return 'a proxy to the upstream';
  return overview?.transport === 'redis' ? 'a cluster, through Redis' : 'this process alone';
}

export function OverviewPanel() {
  const c = useConsole();
  const summary = useStore(c.summary);
  const rates = useStore(c.rates);
  const [overview, setOverview] = useState<Overview | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [minutes, setMinutes] = useState(5);

  const load = () =>
    c.api.get<Overview>('/api/overview').then(
      (o) => {
        setOverview(o);
        setError(null);
        c.rates.set(mergeRates(o.rates, c.rates.get()));
      },
      setError,
    );
  usePoll(load, 5000);
  const resyncs = useStore(c.resyncs);
  useEffect(() => {
    if (resyncs) load();
  }, [resyncs]);

  const connections = summary?.connections ?? overview?.connections ?? 0;
  const roles = summary?.roles ?? overview?.roles ?? [];
  const recorder = summary?.recorder ?? overview?.recorder;
  const counters = summary?.counters ?? overview?.counters;
  const lastRate = rates.length ? total(rates[rates.length - 1]) : 0;
  const errors = recentErrors(rates, 60);
  const limits = counters ? limitsTotal(counters) : 0;
  const nodes = overview?.nodes.length ?? 1;
  const plural = (n: number, one: string, many: string) => (n === 1 ? one : many);
  const rooms = summary?.rooms ?? overview?.rooms ?? 0;
  const topics = summary?.topics ?? overview?.topics.length ?? 0;
  // Rooms and topic subscribers are not on the wire: through a proxy the zeros mean "unknown".
  const unseen = overview?.transport === 'proxy' ? 'not visible through a proxy' : undefined;

  return (
    <Panel title="Overview" testId="panel-overview">
      <ErrorBox error={error} onRetry={load} />
      <div class="stats">
        <Stat label={plural(connections, 'connection', 'connections')} value={count(connections)} testId="stat-connections" />
        <Stat label={plural(rooms, 'room', 'rooms')} value={unseen ? '–' : count(rooms)} hint={unseen} testId="stat-rooms" />
        <Stat label={plural(topics, 'topic', 'topics')} value={unseen ? '–' : count(topics)} hint={unseen} />
        <Stat
          label={plural(nodes, 'node', 'nodes')}
          value={count(nodes)}
          hint={nodesHint(overview)}
          testId="stat-nodes"
        />
        <Stat label="messages per second" value={count(lastRate)} testId="stat-rate" />
        <a class={`stat link ${errors > 0 ? 'bad' : ''}`} href="#/traffic?kind=problems" data-testid="stat-errors" title="Errors, rejected bus messages, denied subscriptions, refused authentications and bad frames: open them in Traffic">
          <div class="stat-value">{count(errors)}</div>
          <div class="stat-label">{plural(errors, 'error', 'errors')} in the last minute</div>
        </a>
        <a
          class={`stat link ${limits > 0 ? 'bad' : ''}`}
          href="#/overview"
          onClick={(e) => {
            e.preventDefault();
            document.querySelector('[data-testid="limits"]')?.scrollIntoView({ behavior: 'smooth', block: 'center' });
          }}
          data-testid="stat-limits"
          title="Connections closed for reading too slowly, joins and subscribes refused, handshakes refused or dropped, since the server started: see the Limits card"
        >
          <div class="stat-value">{count(limits)}</div>
          <div class="stat-label">{plural(limits, 'limit', 'limits')} reached since start</div>
        </a>
      </div>

      <Card
        title="Messages per second"
        actions={RANGES.map((m) => (
          <button key={m} type="button" class={`btn small ${m === minutes ? 'on' : ''}`} onClick={() => setMinutes(m)}>
            {m} min
          </button>
        ))}
      >
        <TimeChart samples={rates} minutes={minutes} lines={RATE_LINES} unit="per second" testId="rate-chart" />
        {rates.length === 0 && <div class="muted">The chart fills in as seconds pass.</div>}
      </Card>

      <div class="grid2">
        <Card title="Connections over time">
          <TimeChart samples={rates} minutes={minutes} lines={CONNECTION_LINES} unit="open" height={200} testId="connections-chart" />
        </Card>
        <Card title="Connections per role">
          {roles.length === 0 ? (
            <Empty title="No connections yet">
              Connect a client to <code>{c.host.get()?.app_url || 'the app endpoint'}</code>, e.g.{' '}
              <code>?role=user&amp;name=alice</code>, or start the demo with <code>--simulate 20</code>.
            </Empty>
          ) : (
            <div class="bars" data-testid="roles">
              {roles.map((r) => (
                <a class="bar-row" key={r.role} href={`#/connections?role=${encodeURIComponent(r.role)}`}>
                  <RoleBadge role={r.role} />
                  <div class="bar">
                    <div
                      class="bar-fill"
                      style={{ width: `${(100 * r.connections) / Math.max(1, connections)}%`, background: roleColor(r.role) }}
                    />
                  </div>
                  <span class="num">{count(r.connections)}</span>
                </a>
              ))}
            </div>
          )}
        </Card>
      </div>

      <div class="grid2">
        <Card title="Recorder">
          {!recorder || !recorder.active ? (
            <Empty title="Not recording">Start switchboard with <code>--db FILE</code> to record traffic.</Empty>
          ) : (
            <table class="kv" data-testid="recorder">
              <tbody>
                <tr><th>file</th><td class="mono">{recorder.path}</td></tr>
                <tr><th>rows written</th><td data-testid="recorder-rows">{count(recorder.rows_written)}</td></tr>
                <tr><th>file size</th><td>{bytes(recorder.file_bytes)}</td></tr>
                <tr><th>queued</th><td>{count(recorder.queue_depth)}</td></tr>
                <tr><th>not yet written</th><td data-testid="recorder-backlog">{bytes(recorder.backlog_bytes)} of payload (what a crash now would lose)</td></tr>
                <tr class={recorder.dropped ? 'warn' : ''} data-testid="recorder-dropped">
                  <th>dropped</th>
                  <td>
                    {count(recorder.dropped)}
                    {recorder.dropped > 0 && ` (${count(recorder.dropped_over_bytes)} for the backlog in bytes, ${count(recorder.dropped - recorder.dropped_over_bytes)} for the queue in rows)`}
                  </td>
                </tr>
                <tr class={recorder.write_errors ? 'warn' : ''}><th>write errors</th><td>{count(recorder.write_errors)} ({count(recorder.rows_lost)} rows lost)</td></tr>
                {recorder.last_error && <tr class="warn"><th>last error</th><td>{recorder.last_error}</td></tr>}
              </tbody>
            </table>
          )}
        </Card>

        <Card title="Nodes">
          {overview?.cluster_error && <ErrorBox error={`cluster: ${overview.cluster_error}`} />}
          <table class="table" data-testid="nodes">
            <thead><tr><th>node</th><th class="num">connections</th><th class="num">rooms</th><th>state</th></tr></thead>
            <tbody>
              {(overview?.nodes ?? []).map((n) => (
                <tr key={n.id}>
                  <td class="mono">{n.id}{n.local && <span class="badge">this node</span>}</td>
                  <td class="num">{count(n.local ? connections : n.connections)}</td>
                  <td class="num">{count(n.rooms)}</td>
                  <td>
                    {n.link ? (
                      <span class={n.link.state === 'attached' ? 'ok' : 'warn'} data-testid="node-link-state">
                        {n.link.state}
                        {n.link.dropped > 0 && ` · ${count(n.link.dropped)} dropped`}
                      </span>
                    ) : n.alive ? <span class="ok">alive</span> : <span class="warn">stale</span>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
      </div>

      <Card title="Topics">
          {overview && overview.topics.length === 0 ? (
            <Empty title="No subscriptions">Topics appear here once a client subscribes (a <code>sub</code> frame).</Empty>
          ) : (
            <table class="table" data-testid="topics">
              <thead><tr><th>topic</th><th>scope</th><th class="num">subscribers</th><th class="num">bus listeners</th></tr></thead>
              <tbody>
                {(overview?.topics ?? []).map((t) => (
                  <tr key={`${t.role}/${t.topic}`} class="link" onClick={() => navigate('traffic', { topic: t.topic })}>
                    <td class="mono">{t.topic}</td>
                    <td>{t.role ? <RoleBadge role={t.role} /> : <span class="badge">shared (bus)</span>}</td>
                    <td class="num">{count(t.subscribers)}</td>
                    <td class="num">{count(t.listeners)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
      </Card>

      {counters && (
        <Card title="Limits reached since start">
          <table class="kv limits" data-testid="limits">
            <tbody>
              {limitsReached(counters).map((l) => (
                <tr key={l.key} class={l.n > 0 ? 'warn' : ''} title={l.hint} data-testid={`limit-${l.key}`}>
                  <th class="num">{count(l.n)}</th>
                  <td>{l.label}</td>
                </tr>
              ))}
              <tr class="muted" title="Gauges, not events: sockets a writer still holds (closing ones too), and connections still in their HTTP upgrade">
                <th class="num" data-testid="open-sockets">{count(counters.open_sockets)}</th>
                <td>sockets open now, {count(counters.pending_upgrades)} {plural(counters.pending_upgrades, 'handshake', 'handshakes')} in progress</td>
              </tr>
            </tbody>
          </table>
        </Card>
      )}

      {counters && (
        <Card title="Since start">
          <div class="stats small">
            <Stat label="connections accepted" value={count(counters.connections_total)} />
            <Stat label="closed for missed heartbeats" value={count(counters.reaped)} />
            <Stat label="frames that could not be read" value={count(counters.frame_errors)} />
            <Stat label="handler panics" value={count(counters.handler_panics)} />
            <Stat label="listener faults" value={count(counters.listener_faults)} />
          </div>
        </Card>
      )}
    </Panel>
  );
}
