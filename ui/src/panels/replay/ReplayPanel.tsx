// 8 Replay: run recorded traffic again and see what came back different. Client replay
// re-creates the recorded connections as real WebSocket clients (by default against an isolated
// server started for the replay, or, when chosen with a warning, the live server or any ws://
// URL) and compares every reply and push with the recording; push replay fires the recorded
// pushes again at the live server's current connections. One replay at a time, steered with
// pause/resume/stop; the report groups the differences by JSON path and lists them side by side.
import { useEffect, useState } from 'preact/hooks';

import type {
  ReplayDiffGroup,
  ReplayEntry,
  ReplayKind,
  ReplayMessageFilter,
  ReplayPage,
  ReplayRequest,
  ReplaySessions,
  ReplayStarted,
  ReplayStatus,
} from '../../api/generated/api';
import { useConsole } from '../../app/context';
import { useAttachMode, useProxyMode } from '../../app/NodesStatus';
import { useLoad, usePoll } from '../../app/hooks';
import { Card, Empty, ErrorBox, Panel, Stat } from '../../components/common';
import { clock, count, fromLocalInput } from '../../state/format';
import { DiffJson } from './jsonDiff';

const SPEEDS: { value: number; label: string }[] = [
  { value: 0, label: 'As fast as possible' },
  { value: 1, label: 'Recorded timing (1×)' },
  { value: 2, label: '2×' },
  { value: 10, label: '10×' },
];

const ACTIVE = new Set(['running', 'paused']);
/** Messages fetched per page: a report of a busy session can hold hundreds of thousands. */
const PAGE = 100;

/** A recorded row, opened in Traffic's history. */
function RowLink({ seq, label }: { seq: number; label: string }) {
  return (
    <a class="muted" href={`#/traffic?mode=history&seq=${seq}`} data-testid="replay-row-link">
      {label}
    </a>
  );
}

/** How a group of differences reads: `$.d.delivered changed in 4,033 messages`. */
function groupLabel(g: ReplayDiffGroup) {
  const n = `${count(g.count)} message${g.count === 1 ? '' : 's'}`;
  if (g.status === 'differs') return <><code>{g.path}</code> changed in {n}</>;
  return <>{n} <b class="mono">{g.name}</b> {g.status === 'missing' ? 'missing (recorded, not replayed)' : 'extra (replayed, not recorded)'}</>;
}

function groupQuery(g: ReplayDiffGroup): string {
  const key = g.status === 'differs' ? `&path=${encodeURIComponent(g.path ?? '')}` : `&name=${encodeURIComponent(g.name ?? '')}`;
  return `/api/replay/messages?filter=differences&status=${g.status}${key}&limit=20`;
}

/** One group, its first messages listed when opened. */
function DiffGroupRow({ group }: { group: ReplayDiffGroup }) {
  const c = useConsole();
  const [open, setOpen] = useState(false);
  const [page, setPage] = useState<ReplayPage | null>(null);
  const [error, setError] = useState<unknown>(null);
  const toggle = () => {
    const next = !open;
    setOpen(next);
    if (next && !page) c.api.get<ReplayPage>(groupQuery(group)).then(setPage, setError);
  };
  return (
    <div class="diff-group" data-testid="replay-group">
      <button type="button" class="diff-group-head" onClick={toggle} aria-expanded={open} data-testid="replay-group-toggle">
        <span class="caret">{open ? '▾' : '▸'}</span>
        <span class={`badge status-${group.status}`}>{group.status}</span>
        <span>{groupLabel(group)}</span>
      </button>
      {open && (
        <div class="diff-group-body">
          <ErrorBox error={error} />
          {!page ? !error && <div class="muted">Loading…</div> : page.items.map((d, i) => <DifferenceCard key={i} d={d} />)}
          {page && page.total > page.items.length && <div class="muted">First {count(page.items.length)} of {count(page.total)}.</div>}
        </div>
      )}
    </div>
  );
}

function DifferenceCard({ d }: { d: ReplayEntry }) {
  const m = d.message;
  // The report leaves empty lists and absent values out of its JSON.
  const diffs = m.diffs ?? [];
  const paths = diffs.map((x) => x.path);
  return (
    <div class="replay-diff" data-testid="replay-diff">
      <div class="row replay-diff-head">
        <span class={`badge status-${m.status}`}>{m.status}</span>
        <span class="mono">{m.stream} #{m.index + 1}</span>
        <b class="mono">{m.name}</b>
        {d.conn && (
          <span class="muted">
            {d.user ?? 'anonymous'} ({d.role}) · recorded conn <span class="mono">{d.conn}</span>
          </span>
        )}
        {m.recorded_seq != null && <RowLink seq={m.recorded_seq} label={`row #${m.recorded_seq}`} />}
        {m.recorded_seq == null && m.action_seq != null && <RowLink seq={m.action_seq} label={`sent row #${m.action_seq}`} />}
      </div>
      {m.note && <div class="muted">{m.note}</div>}
      {paths.length > 0 && (
        <ul class="diff-paths mono">
          {diffs.map((x) => (
            <li key={x.path}>
              <mark class="diff-hit">{x.path}</mark>: {x.recorded === undefined || x.recorded === null ? '—' : JSON.stringify(x.recorded)} →{' '}
              {x.replayed === undefined || x.replayed === null ? '—' : JSON.stringify(x.replayed)}
            </li>
          ))}
        </ul>
      )}
      <div class="grid2">
        <div>
          <div class="muted">recorded</div>
          <DiffJson value={m.recorded} paths={paths} />
        </div>
        <div>
          <div class="muted">replayed</div>
          <DiffJson value={m.replayed} paths={paths} />
        </div>
      </div>
    </div>
  );
}

export function ReplayPanel({ params }: { params: Record<string, string> }) {
  const c = useConsole();
  const sessions = useLoad(() => c.api.get<ReplaySessions>('/api/replay/sessions'), []);
  const [session, setSession] = useState<string>(params.session ?? '');
  const [since, setSince] = useState('');
  const [until, setUntil] = useState('');
  const [mode, setMode] = useState<ReplayKind>(params.mode === 'pushes' ? 'pushes' : 'clients');
  const attach = useAttachMode();
  const proxy = useProxyMode();
  // Isolated by default: a server started for the replay, which no real client is connected to.
  const [targetKind, setTargetKind] = useState<'isolated' | 'live' | 'url' | 'upstream'>('isolated');
  // Attach mode has no embedded server: client replay goes to a URL, push replay cannot run.
  // Proxy mode has none either: its replay goes to the upstream the proxy relays to.
  useEffect(() => {
    if (attach) setTargetKind('url');
  }, [attach]);
  useEffect(() => {
    if (proxy) {
      setTargetKind('upstream');
      setMode('clients');
    }
  }, [proxy]);
  const noServer = attach || proxy;
  const [url, setUrl] = useState('ws://127.0.0.1:7070/');
  const [speed, setSpeed] = useState(0);
  const [ignore, setIgnore] = useState('');
  const [ignoreEvents, setIgnoreEvents] = useState('');
  const [strictOrder, setStrictOrder] = useState(false);
  const [status, setStatus] = useState<ReplayStatus | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  // The listed messages of the finished report, fetched a page at a time.
  const [filter, setFilter] = useState<ReplayMessageFilter>('differences');
  // One connection's messages only (its recorded id, `fired` for push replay), or all.
  const [onlyConn, setOnlyConn] = useState<string | null>(null);
  const [page, setPage] = useState<ReplayPage | null>(null);
  const [pageError, setPageError] = useState<unknown>(null);
  const [loadingMore, setLoadingMore] = useState(false);

  // Default to the session being recorded now.
  useEffect(() => {
    const list = sessions.data?.sessions ?? [];
    if (!session && list.length) setSession(String((list.find((s) => s.current) ?? list[0]).id));
  }, [sessions.data]);

  const active = status ? ACTIVE.has(status.state) : false;
  const load = () => c.api.get<ReplayStatus>('/api/replay').then(setStatus, setError);
  // Poll while a replay runs; a finished report (possibly large) is fetched once, not again.
  usePoll(() => {
    if (!status || active) load();
  }, active ? 400 : 3000, [active]);

  const seqs = params.seqs ? params.seqs.split(',').map(Number).filter((n) => Number.isFinite(n)) : [];
  const start = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const req: ReplayRequest = {
      selection: {
        session: session ? Number(session) : null,
        since_us: since ? fromLocalInput(since) : null,
        until_us: until ? fromLocalInput(until) : null,
        conns: [],
        seqs,
      },
      mode,
      target: targetKind === 'url' ? url.trim() : targetKind,
      speed,
      ignore: ignore.split(',').map((s) => s.trim()).filter(Boolean),
      ignore_events: ignoreEvents.split(',').map((s) => s.trim()).filter(Boolean),
      strict_order: strictOrder,
    };
    try {
      await c.api.post<ReplayStarted>('/api/replay', req);
      await load();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const steer = async (what: 'pause' | 'resume' | 'stop') => {
    setError(null);
    try {
      setStatus(await c.api.post<ReplayStatus>(`/api/replay/${what}`));
    } catch (err) {
      setError(err);
    }
  };

  const pct = status && status.total > 0 ? Math.min(100, (100 * status.sent) / status.total) : 0;
  const report = status?.report ?? null;
  const fetchPage = (offset: number) =>
    c.api.get<ReplayPage>(
      `/api/replay/messages?filter=${filter}&offset=${offset}&limit=${PAGE}${onlyConn ? `&conn=${encodeURIComponent(onlyConn)}` : ''}`,
    );
  // A new replay forgets the connection picked in the last one's report.
  useEffect(() => setOnlyConn(null), [status?.id]);
  // A new report (or another filter): its first page.
  useEffect(() => {
    setPage(null);
    setPageError(null);
    if (report) fetchPage(0).then(setPage, setPageError);
  }, [status?.id, report !== null, filter, onlyConn]);
  const pick = (conn: string) => setOnlyConn(onlyConn === conn ? null : conn);
  const more = async () => {
    if (!page) return;
    setLoadingMore(true);
    try {
      const next = await fetchPage(page.items.length);
      setPage({ ...next, offset: 0, items: [...page.items, ...next.items] });
    } catch (err) {
      setPageError(err);
    } finally {
      setLoadingMore(false);
    }
  };

  return (
    <Panel title="Replay" testId="panel-replay">
      <div class="grid2">
        <Card title="Run recorded traffic again">
          <form class="form" onSubmit={start}>
            <label>Session</label>
            <select value={session} onChange={(e) => setSession((e.target as HTMLSelectElement).value)} data-testid="replay-session">
              <option value="">every session in the capture</option>
              {(sessions.data?.sessions ?? []).map((s) => (
                <option key={s.id} value={String(s.id)}>
                  #{s.id} · started {clock(s.started_us)}
                  {s.current ? ' (recording now)' : ''}
                  {s.imported_from ? ` · imported from ${s.imported_from}` : ''}
                </option>
              ))}
            </select>
            <ErrorBox error={sessions.error} onRetry={sessions.reload} />
            <label>Time range (optional)</label>
            <div class="row">
              <input type="datetime-local" step="1" value={since} onInput={(e) => setSince((e.target as HTMLInputElement).value)} title="from" />
              <input type="datetime-local" step="1" value={until} onInput={(e) => setUntil((e.target as HTMLInputElement).value)} title="until" />
            </div>
            {seqs.length > 0 && <div class="muted">Only the {count(seqs.length)} rows selected in Traffic.</div>}
            <label>Kind</label>
            <div class="seg" data-testid="replay-mode">
              <button type="button" class={mode === 'clients' ? 'on' : ''} onClick={() => setMode('clients')} data-testid="replay-mode-clients">
                Clients (reproduce)
              </button>
              <button type="button" class={mode === 'pushes' ? 'on' : ''} disabled={noServer} onClick={() => { setMode('pushes'); setTargetKind('live'); }} data-testid="replay-mode-pushes">
                Pushes (re-fire)
              </button>
            </div>
            <label>Target</label>
            <div class="seg">
              {proxy ? (
                <button type="button" class={targetKind === 'upstream' ? 'on' : ''} onClick={() => setTargetKind('upstream')} data-testid="replay-target-upstream">
                  Upstream
                </button>
              ) : (
                <>
                  <button type="button" class={targetKind === 'isolated' ? 'on' : ''} disabled={attach || mode === 'pushes'} onClick={() => setTargetKind('isolated')} data-testid="replay-target-isolated">
                    Isolated server
                  </button>
                  <button type="button" class={targetKind === 'live' ? 'on' : ''} disabled={attach} onClick={() => setTargetKind('live')} data-testid="replay-target-live">
                    Live server
                  </button>
                </>
              )}
              <button type="button" class={targetKind === 'url' ? 'on' : ''} disabled={mode === 'pushes'} onClick={() => setTargetKind('url')} data-testid="replay-target-url">
                WebSocket URL
              </button>
            </div>
            {attach && (
              <div class="muted" data-testid="replay-attach-note">
                Attached to other processes: this console runs no embedded server, so client traffic replays against a URL and
                push replay needs a console with its own server (<code>switchboard</code>, not <code>switchboard attach</code>).
              </div>
            )}
            {proxy && (
              <div class="muted" data-testid="replay-proxy-note">
                Proxy mode: the recorded connections open again to the upstream itself (not through the proxy, so the replay is not recorded as the application's
                traffic). The proxy cannot tell which pushes the clients caused, so every push the upstream sent is expected back: name what the upstream sends on
                its own schedule (a timer's topic) under <i>Ignore events</i>.
              </div>
            )}
            {targetKind === 'upstream' && (
              <div class="warn-box" role="alert" data-testid="replay-upstream-warning">
                The upstream's real clients receive everything the replay causes (room messages, direct messages, publishes).
              </div>
            )}
            {targetKind === 'isolated' && (
              <div class="muted" data-testid="replay-isolated-note">
                A server started for this replay with the same contract and handlers, on a private port, recording its own session: no real client sees the replay.
              </div>
            )}
            {(targetKind === 'live' || targetKind === 'url') && !attach && !proxy && (
              <div class="warn-box" role="alert" data-testid="replay-live-warning">
                {targetKind === 'live'
                  ? 'The live server has real clients connected: everything the replay causes (room messages, direct messages, publishes) reaches them too, and their presence changes what the replay gets back.'
                  : 'Clients connected to that server receive everything the replay causes.'}
              </div>
            )}
            {targetKind === 'url' && <input value={url} onInput={(e) => setUrl((e.target as HTMLInputElement).value)} placeholder="ws://host:port/" data-testid="replay-url" />}
            <label>Speed</label>
            <select value={String(speed)} onChange={(e) => setSpeed(Number((e.target as HTMLSelectElement).value))} data-testid="replay-speed">
              {SPEEDS.map((s) => <option key={s.value} value={String(s.value)}>{s.label}</option>)}
            </select>
            <label>Ignore paths (comma-separated)</label>
            <input class="mono" value={ignore} onInput={(e) => setIgnore((e.target as HTMLInputElement).value)} placeholder="$..ts, $.d.id" data-testid="replay-ignore" />
            <label title="Events and topics left out of the push comparison on both sides: what the target sends on its own schedule.">Ignore events (comma-separated)</label>
            <input class="mono" value={ignoreEvents} onInput={(e) => setIgnoreEvents((e.target as HTMLInputElement).value)} placeholder="ticker" data-testid="replay-ignore-events" />
            <label class="check" title="By default a push that arrived unchanged at another position is reported as moved, which is not a difference: the replay keeps the recorded order of actions, but pushes that one action sends to several connections may reach them in another order.">
              <input type="checkbox" checked={strictOrder} onChange={() => setStrictOrder(!strictOrder)} data-testid="replay-strict-order" /> Strict order: a push received at another position counts as missing + extra
            </label>
            <div class="row">
              <button class="btn primary" type="submit" disabled={busy || active} data-testid="replay-start">{busy ? 'Starting…' : 'Start'}</button>
              <button class="btn" type="button" disabled={status?.state !== 'running'} onClick={() => steer('pause')} data-testid="replay-pause">Pause</button>
              <button class="btn" type="button" disabled={status?.state !== 'paused'} onClick={() => steer('resume')} data-testid="replay-resume">Resume</button>
              <button class="btn" type="button" disabled={!active} onClick={() => steer('stop')} data-testid="replay-stop">Stop</button>
            </div>
            <ErrorBox error={error} />
          </form>
        </Card>
        <Card title="Progress">
          {!status || status.id === null ? (
            <Empty title="No replay yet">
              Replay runs captured traffic again. <b>Clients</b> re-creates the recorded connections as real WebSocket clients with their roles and parameters, re-sends their requests and
              subscriptions in the recorded order, and compares every reply and push with the recording. By default it runs against a server started for the replay alone, so
              no live client receives anything. <b>Pushes</b> fires the recorded pushes again at the connections the live server has now. Replayed traffic is
              recorded with origin <span class="mono">replay</span>, and later replays leave it out.
            </Empty>
          ) : (
            <div data-testid="replay-progress" data-state={status.state}>
              <div class="row">
                <span class={`badge state-${status.state}`} data-testid="replay-state">{status.state}</span>
                <span class="mono muted">{status.id}</span>
                <span class="muted">{status.request?.mode} → {status.request?.target}</span>
              </div>
              <div class="bar replay-bar"><div class="bar-fill" style={{ width: `${pct}%`, background: 'var(--accent)' }} /></div>
              <div class="muted">
                {count(status.sent)} / {count(status.total)} actions · {count(status.diffs)} difference{status.diffs === 1 ? '' : 's'}
              </div>
              {status.error && <div class="error" data-testid="replay-error">{status.error}</div>}
              {report && (
                <div class="stats small replay-summary" data-testid="replay-report" data-differences={report.summary.differences} data-moved={report.summary.moved}>
                  <Stat label="messages" value={count(report.summary.messages)} />
                  <Stat label="same" value={count(report.summary.same)} />
                  <Stat label="differ" value={count(report.summary.differs)} />
                  <Stat label="missing" value={count(report.summary.missing)} />
                  <Stat label="extra" value={count(report.summary.extra)} />
                  <Stat label="moved" value={count(report.summary.moved)} hint="same push, another position: not a difference" />
                  <Stat label="skipped" value={count(report.summary.skipped)} hint={report.skipped_rows ? `${report.skipped_rows} rows could not be replayed` : undefined} />
                </div>
              )}
              {report && (
                <table class="table">
                  <thead><tr><th>connection</th><th>role</th><th class="num">messages</th><th class="num">differences</th><th /></tr></thead>
                  <tbody>
                    {report.connections.map((conn) => (
                      <tr
                        key={`${conn.session_id}-${conn.conn}`}
                        class={`link${onlyConn === conn.conn ? ' picked' : ''}`}
                        onClick={() => pick(conn.conn)}
                        title="list this connection's messages only (click again for all)"
                        data-testid="replay-conn"
                      >
                        <td class="ellipsis">{conn.user ?? 'anonymous'} <span class="mono muted">{conn.conn}</span></td>
                        <td>{conn.role}</td>
                        <td class="num">{count(conn.message_count)}</td>
                        <td class="num">{count(conn.difference_count)}</td>
                        <td class="warn">{conn.error ?? ''}</td>
                      </tr>
                    ))}
                    {report.push_count > 0 && (
                      <tr class={`link${onlyConn === 'fired' ? ' picked' : ''}`} onClick={() => pick('fired')}>
                        <td>fired pushes</td>
                        <td />
                        <td class="num">{count(report.push_count)}</td>
                        <td class="num">{count(report.push_difference_count)}</td>
                        <td />
                      </tr>
                    )}
                  </tbody>
                </table>
              )}
            </div>
          )}
        </Card>
      </div>
      {report && (
        <Card
          title={`${filter === 'moved' ? 'Moved' : 'Differences'} (${count(
            onlyConn ? (page?.total ?? 0) : filter === 'moved' ? report.summary.moved : report.summary.differences,
          )})`}
        >
          <div class="seg" data-testid="replay-filter">
            <button type="button" class={filter === 'differences' ? 'on' : ''} onClick={() => setFilter('differences')}>
              Differences
            </button>
            <button type="button" class={filter === 'moved' ? 'on' : ''} onClick={() => setFilter('moved')} data-testid="replay-filter-moved">
              Moved
            </button>
          </div>
          {onlyConn && (
            <div class="row">
              <span class="chip" data-testid="replay-only-conn">
                only {onlyConn === 'fired' ? 'fired pushes' : <span class="mono">{onlyConn}</span>}
                <button type="button" onClick={() => setOnlyConn(null)} title="all connections">×</button>
              </span>
            </div>
          )}
          {filter === 'differences' && !onlyConn && report.groups.length > 0 && (
            <div class="diff-groups" data-testid="replay-groups">
              <h3>By path</h3>
              {report.groups.map((g) => (
                <DiffGroupRow key={`${g.status}-${g.path ?? ''}-${g.name ?? ''}-${status?.id}`} group={g} />
              ))}
              <h3>Every difference</h3>
            </div>
          )}
          {filter === 'differences' && report.summary.moved > 0 && (
            <div class="muted" data-testid="replay-moved">
              {count(report.summary.moved)} push{report.summary.moved === 1 ? '' : 'es'} arrived unchanged but in another order than recorded: a push one action sends to several connections may reach them
              in another order, so they are not counted as differences (replay with <i>Strict order</i> to check the order too).
            </div>
          )}
          <ErrorBox error={pageError} />
          {!page ? (
            !pageError && <div class="muted">Loading…</div>
          ) : page.total === 0 ? (
            onlyConn ? (
              <div class="muted">Nothing of this kind on this connection.</div>
            ) : filter === 'differences' ? (
              <div class="result" data-testid="replay-no-diffs">
                Everything replayed the same as recorded ({count(report.summary.same)} messages compared{report.summary.skipped ? `, ${count(report.summary.skipped)} skipped` : ''}).
              </div>
            ) : (
              <div class="muted">No push arrived at another position.</div>
            )
          ) : (
            <>
              {page.items.map((d, i) => <DifferenceCard key={i} d={d} />)}
              {page.items.length < page.total && (
                <div class="row">
                  <span class="muted">
                    {count(page.items.length)} of {count(page.total)} shown.
                  </span>
                  <button class="btn" type="button" disabled={loadingMore} onClick={more} data-testid="replay-more">
                    {loadingMore ? 'Loading…' : `Show ${count(Math.min(PAGE, page.total - page.items.length))} more`}
                  </button>
                </div>
              )}
            </>
          )}
        </Card>
      )}
    </Panel>
  );
}
