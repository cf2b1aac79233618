// 5 Traffic: the live tail (pausable, up to 100,000 rows kept) and recorded history from the
// capture file, under one filter; a virtualised list and a payload inspector.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';

import type { TrafficPage, TrafficQuery, TrafficRow } from '../../api/generated/api';
import { useConsole } from '../../app/context';
import { navigate } from '../../app/router';
import { Card, Empty, ErrorBox, Panel } from '../../components/common';
import { FilterBar } from '../../components/FilterBar';
import { VirtualList } from '../../components/VirtualList';
import { formFromParams, formToFilter, formToParams, type FilterForm } from '../../state/filter';
import { count } from '../../state/format';
import { useStore } from '../../state/store';
import { Inspector, ROW_HEIGHT, TrafficHeader, TrafficLine } from './TrafficRowView';

/** Rows of history kept in the list at most. */
const HISTORY_CAP = 200_000;
const PAGE = 2_000;

function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value]);
  return v;
}

function LiveTail({ form, onSelect, selected }: { form: FilterForm; onSelect: (r: TrafficRow) => void; selected: TrafficRow | null }) {
  const c = useConsole();
  const [paused, setPaused] = useState(false);
  const version = useStore(c.tailVersion);
  const skipped = useStore(c.tailSkipped);
  const filter = useMemo(() => formToFilter(form, false), [form]);

  useEffect(() => {
    c.tail.clear();
    c.tailVersion.update((n) => n + 1);
    c.tailSkipped.set(0);
  }, [filter]);
  useEffect(() => {
    c.setTail(paused ? null : filter);
  }, [filter, paused]);
  useEffect(() => () => c.setTail(null), []);

  return (
    <Card
      className="traffic-list"
      title={`${count(c.tail.length)} live rows${c.tail.total > c.tail.length ? ` (last ${count(c.tail.capacity)} kept)` : ''}`}
      actions={
        <>
          {skipped > 0 && <span class="warn" title="Rows the live stream left out to keep up">{count(skipped)} skipped</span>}
          <button class={`btn ${paused ? 'primary' : ''}`} type="button" onClick={() => setPaused(!paused)} data-testid="tail-pause">
            {paused ? '▶ Resume' : '❚❚ Pause'}
          </button>
          <button class="btn" type="button" onClick={() => { c.tail.clear(); c.tailVersion.update((n) => n + 1); }}>Clear</button>
        </>
      }
    >
      <TrafficHeader />
      {c.tail.length === 0 ? (
        <Empty title={paused ? 'Paused' : 'Waiting for traffic'}>
          {paused ? 'Resume to see new messages.' : 'Messages matching the filter appear here as they happen.'}
        </Empty>
      ) : (
        <VirtualList
          count={c.tail.length}
          rowHeight={ROW_HEIGHT}
          version={version}
          follow={!paused}
          testId="traffic-rows"
          renderRow={(i) => {
            const r = c.tail.at(i) as TrafficRow;
            return <TrafficLine row={r} active={r === selected} onClick={() => onSelect(r)} />;
          }}
        />
      )}
    </Card>
  );
}

function History({ form, onSelect, selected }: { form: FilterForm; onSelect: (r: TrafficRow) => void; selected: TrafficRow | null }) {
  const c = useConsole();
  const [rows, setRows] = useState<TrafficRow[]>([]);
  const [older, setOlder] = useState(false);
  const [newer, setNewer] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(false);
  const [loaded, setLoaded] = useState(false);
  const filter = useMemo(() => formToFilter(form, true), [form]);
  const seq = useRef(0);

  const run = async (q: TrafficQuery): Promise<TrafficPage | null> => {
    const mine = ++seq.current;
    setLoading(true);
    try {
      const page = await c.api.post<TrafficPage>('/api/traffic/query', q);
      if (mine !== seq.current) return null;
      setError(null);
      return page;
    } catch (e) {
      if (mine === seq.current) setError(e);
      return null;
    } finally {
      if (mine === seq.current) setLoading(false);
    }
  };

  const loadLatest = async () => {
    const page = await run({ filter, cursor: { at: 'end' }, limit: PAGE });
    if (!page) return;
    setRows(page.rows);
    setOlder(page.has_older);
    setNewer(page.has_newer);
    setLoaded(true);
  };
  const loadOlder = async () => {
    const first = rows[0]?.seq;
    if (first === undefined || first === null) return;
    const page = await run({ filter, cursor: { at: 'before', seq: first }, limit: PAGE });
    if (!page) return;
    setRows((r) => [...page.rows, ...r].slice(0, HISTORY_CAP));
    setOlder(page.has_older);
  };
  const loadNewer = async () => {
    const last = rows[rows.length - 1]?.seq;
    if (last === undefined || last === null) return loadLatest();
    const page = await run({ filter, cursor: { at: 'after', seq: last }, limit: PAGE });
    if (!page) return;
    setRows((r) => [...r, ...page.rows].slice(-HISTORY_CAP));
    setNewer(page.has_newer);
  };

  useEffect(() => {
    loadLatest();
  }, [filter]);

  return (
    <Card
      className="traffic-list"
      title={`${count(rows.length)} recorded rows`}
      actions={
        <>
          {loading && <span class="muted">loading…</span>}
          <button class="btn" type="button" disabled={!older || loading} onClick={loadOlder} data-testid="history-older">▲ Older</button>
          <button class="btn" type="button" disabled={loading} onClick={loadNewer} data-testid="history-newer">▼ Newer</button>
        </>
      }
    >
      <ErrorBox error={error} onRetry={loadLatest} />
      <TrafficHeader />
      {loaded && rows.length === 0 ? (
        <Empty title="Nothing recorded matches">Widen the time range or clear the filter.</Empty>
      ) : (
        <VirtualList
          count={rows.length}
          rowHeight={ROW_HEIGHT}
          testId="history-rows"
          version={rows.length}
          follow={!older && !newer}
          renderRow={(i) => <TrafficLine row={rows[i]} active={rows[i] === selected} onClick={() => onSelect(rows[i])} />}
        />
      )}
    </Card>
  );
}

export function TrafficPanel({ params }: { params: Record<string, string> }) {
  const mode = params.mode === 'history' ? 'history' : 'live';
  const [form, setForm] = useState<FilterForm>(() => formFromParams(params));
  const debounced = useDebounced(form, 300);
  const [selected, setSelected] = useState<TrafficRow | null>(null);
  const paramKey = JSON.stringify(formToParams(formFromParams(params)));
  useEffect(() => setForm(formFromParams(params)), [paramKey]);

  const setMode = (m: string) => navigate('traffic', { ...formToParams(form), mode: m });
  return (
    <Panel
      title="Traffic"
      testId="panel-traffic"
      actions={
        <>
          <div class="seg">
            <button type="button" class={mode === 'live' ? 'on' : ''} onClick={() => setMode('live')} data-testid="mode-live">Live</button>
            <button type="button" class={mode === 'history' ? 'on' : ''} onClick={() => setMode('history')} data-testid="mode-history">History</button>
          </div>
          <button class="btn" type="button" onClick={() => navigate('export', formToParams(form))}>Export selection…</button>
        </>
      }
    >
      <FilterBar form={form} onChange={setForm} withTime={mode === 'history'} />
      <div class={`traffic-layout ${selected ? 'with-inspector' : ''}`}>
        {mode === 'live' ? (
          <LiveTail form={debounced} onSelect={setSelected} selected={selected} />
        ) : (
          <History form={debounced} onSelect={setSelected} selected={selected} />
        )}
        {selected && <Inspector row={selected} onClose={() => setSelected(null)} />}
      </div>
    </Panel>
  );
}
