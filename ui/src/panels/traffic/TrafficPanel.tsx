// 5 Traffic: the live tail (pausable, up to 100,000 rows kept) and recorded history from the
// capture file, under one filter; a virtualised list and a payload inspector beside it, as wide
// as its splitter says. A selected live row stays in place while the tail goes on.
import type { ComponentChildren } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';

import type { TrafficFilter, TrafficPage, TrafficQuery, TrafficRow } from '../../api/generated/api';
import { useConsole } from '../../app/context';
import { navigate } from '../../app/router';
import { Card, Empty, ErrorBox, Panel } from '../../components/common';
import { FilterBar } from '../../components/FilterBar';
import { VirtualList } from '../../components/VirtualList';
import { compileText, formFromParams, formPredicate, formToFilter, formToParams, type FilterForm } from '../../state/filter';
import { count } from '../../state/format';
import { useStore } from '../../state/store';
import { TailView } from '../../state/tailview';
import { Inspector, ROW_HEIGHT, TrafficHeader, TrafficLine } from './TrafficRowView';
import { SummaryView } from './SummaryView';

/** Rows of history kept in the list at most. */
const HISTORY_CAP = 200_000;
/** Rows per page of history: a screenful many times over (about 30 rows show at once), and a
 * 150 KB answer rather than the 600 KB of 2,000 rows that a loaded machine made wait past
 * 150 ms at 10,000 connections (docs/console.md, "Under load"). Older and newer pages load on
 * demand. */
const PAGE = 500;

function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value]);
  return v;
}

/** The live tail asks the stream for every row and filters here, so a new filter narrows or
 * widens what was already collected instead of starting over. */
const EVERYTHING: TrafficFilter = {
  since_us: null, until_us: null, kinds: [], names: [], roles: [], rooms: [], topics: [], conns: [], users: [], origins: [], text: null,
};

interface Selected {
  row: TrafficRow;
  /** The row's absolute position in the live tail (null: a recorded row). */
  abs: number | null;
}

function LiveTail({ test, onSelect, selected }: { test: ((r: TrafficRow) => boolean) | null; onSelect: (s: Selected | null) => void; selected: Selected | null }) {
  const c = useConsole();
  const [paused, setPaused] = useState(false);
  const version = useStore(c.tailVersion);
  const skipped = useStore(c.tailSkipped);
  const view = useMemo(() => new TailView(c.tail), []);
  const filtered = useRef<typeof test | undefined>(undefined);
  // Filter changes rescan what was collected; new batches are tested as they arrive.
  if (filtered.current !== test) {
    view.setFilter(test);
    filtered.current = test;
  } else {
    view.update();
  }

  useEffect(() => {
    c.setTail(paused ? null : EVERYTHING);
  }, [paused]);
  useEffect(() => () => c.setTail(null), []);

  const anchor = selected?.abs != null ? view.indexOfAbs(selected.abs) : -1;
  const newer = anchor >= 0 ? view.length - 1 - anchor : 0;
  const shown = view.length;
  const collected = c.tail.length;
  return (
    <Card
      className="traffic-list"
      title={`${count(shown)} live rows${test ? ` of ${count(collected)} collected` : ''}${c.tail.total > c.tail.length ? ` (last ${count(c.tail.capacity)} kept)` : ''}`}
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
      {anchor >= 0 && !paused && (
        <div class="hold" data-testid="tail-held">
          <span>The selected row is held in place{newer > 0 ? `; ${count(newer)} newer ${newer === 1 ? 'row' : 'rows'} below` : ''}.</span>
          <button class="btn small" type="button" onClick={() => onSelect(null)} data-testid="tail-follow">▼ Follow newest</button>
        </div>
      )}
      <TrafficHeader />
      {shown === 0 ? (
        <Empty title={paused ? 'Paused' : collected > 0 ? 'No collected row matches' : 'Waiting for traffic'}>
          {paused
            ? 'Resume to see new messages.'
            : collected > 0
              ? `${count(collected)} rows were collected; new ones matching the filter appear here as they happen.`
              : 'Messages appear here as they happen.'}
        </Empty>
      ) : (
        <VirtualList
          count={shown}
          rowHeight={ROW_HEIGHT}
          version={version}
          follow={!paused}
          anchor={anchor}
          testId="traffic-rows"
          renderRow={(i) => {
            const r = view.at(i) as TrafficRow;
            const abs = view.absAt(i);
            return <TrafficLine row={r} active={r === selected?.row} onClick={() => onSelect({ row: r, abs })} />;
          }}
        />
      )}
    </Card>
  );
}

function History({ form, test, onSelect, selected }: { form: FilterForm; test: ((r: TrafficRow) => boolean) | null; onSelect: (s: Selected) => void; selected: Selected | null }) {
  const c = useConsole();
  const [rows, setRows] = useState<TrafficRow[]>([]);
  const [older, setOlder] = useState(false);
  const [newer, setNewer] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(false);
  const [loaded, setLoaded] = useState(false);
  const filter = useMemo(() => formToFilter(form, true), [form]);
  const seq = useRef(0);
  // The server selects by every field but a regular expression, which is applied here to the
  // pages loaded so far.
  const regex = form.regex && form.text.trim() !== '';
  const shown = useMemo(() => (regex && test ? rows.filter(test) : rows), [rows, test, regex]);

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
      title={regex ? `${count(shown.length)} of ${count(rows.length)} loaded rows match` : `${count(rows.length)} recorded rows`}
      actions={
        <>
          {regex && older && <span class="muted" title="The regular expression is applied to the pages loaded so far">load older pages to search further</span>}
          {loading && <span class="muted">loading…</span>}
          <button class="btn" type="button" disabled={!older || loading} onClick={loadOlder} data-testid="history-older">▲ Older</button>
          <button class="btn" type="button" disabled={loading} onClick={loadNewer} data-testid="history-newer">▼ Newer</button>
        </>
      }
    >
      <ErrorBox error={error} onRetry={loadLatest} />
      <TrafficHeader />
      {loaded && shown.length === 0 ? (
        <Empty title="Nothing recorded matches">Widen the time range or clear the filter{regex && older ? ', or load older pages' : ''}.</Empty>
      ) : (
        <VirtualList
          count={shown.length}
          rowHeight={ROW_HEIGHT}
          testId="history-rows"
          version={shown.length}
          follow={!older && !newer}
          anchor={selected ? shown.indexOf(selected.row) : -1}
          renderRow={(i) => <TrafficLine row={shown[i]} active={shown[i] === selected?.row} onClick={() => onSelect({ row: shown[i], abs: null })} />}
        />
      )}
    </Card>
  );
}

const SPLIT_KEY = 'switchboard.traffic.inspector';
const MIN_LIST = 520;
const MIN_INSPECTOR = 300;

/** The list and the inspector side by side, the inspector as wide as its splitter says (kept
 * across visits); the list never gets narrower than MIN_LIST. */
function Split({ list, inspector }: { list: ComponentChildren; inspector: ComponentChildren | null }) {
  const box = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(() => Number(localStorage.getItem(SPLIT_KEY)) || 420);
  const clamp = (w: number) => {
    const total = box.current?.clientWidth ?? 1400;
    return Math.round(Math.max(MIN_INSPECTOR, Math.min(w, total - MIN_LIST - 14)));
  };
  const save = (w: number) => {
    setWidth(w);
    localStorage.setItem(SPLIT_KEY, String(w));
  };
  const drag = (e: PointerEvent) => {
    const handle = e.currentTarget as HTMLElement;
    handle.setPointerCapture(e.pointerId);
    const right = box.current?.getBoundingClientRect().right ?? 0;
    const move = (ev: PointerEvent) => setWidth(clamp(right - ev.clientX - 7));
    const up = (ev: PointerEvent) => {
      handle.removeEventListener('pointermove', move);
      handle.removeEventListener('pointerup', up);
      save(clamp(right - ev.clientX - 7));
    };
    handle.addEventListener('pointermove', move);
    handle.addEventListener('pointerup', up);
    e.preventDefault();
  };
  const key = (e: KeyboardEvent) => {
    if (e.key === 'ArrowLeft') save(clamp(width + 24));
    else if (e.key === 'ArrowRight') save(clamp(width - 24));
  };
  const shownWidth = inspector ? clamp(width) : width;
  return (
    <div ref={box} class={`traffic-layout ${inspector ? 'with-inspector' : ''}`} style={{ '--inspector-width': `${shownWidth}px` }}>
      {list}
      {inspector && (
        <div
          class="splitter"
          role="separator"
          aria-orientation="vertical"
          aria-label="Resize the inspector"
          tabIndex={0}
          title="Drag to resize (or arrow keys); double-click resets"
          onPointerDown={drag}
          onKeyDown={key}
          onDblClick={() => save(clamp(420))}
          data-testid="inspector-splitter"
        />
      )}
      {inspector}
    </div>
  );
}

export function TrafficPanel({ params }: { params: Record<string, string> }) {
  const mode = params.mode === 'history' || params.mode === 'summary' ? params.mode : 'live';
  const [form, setForm] = useState<FilterForm>(() => formFromParams(params));
  const debounced = useDebounced(form, 300);
  const [selected, setSelected] = useState<Selected | null>(null);
  const paramKey = JSON.stringify(formToParams(formFromParams(params)));
  useEffect(() => setForm(formFromParams(params)), [paramKey]);
  useEffect(() => setSelected(null), [mode]);
  const predicate = useMemo(() => formPredicate(debounced, mode === 'history'), [debounced, mode]);
  const textError = useMemo(() => compileText(form).error, [form.text, form.regex]);

  // `#/traffic?seq=N` (a link from the Replay panel or another row) opens that recorded row.
  const c = useConsole();
  useEffect(() => {
    const seq = Number(params.seq);
    if (!params.seq || !Number.isFinite(seq)) return;
    c.api.get<TrafficRow>(`/api/traffic/${seq}`).then(
      (row) => setSelected({ row, abs: null }),
      () => undefined,
    );
  }, [params.seq]);

  const setMode = (m: string) => navigate('traffic', { ...formToParams(form), mode: m });
  return (
    <Panel
      title="Traffic"
      testId="panel-traffic"
      actions={
        <>
          <div class="seg">
            <button type="button" class={mode === 'live' ? 'on' : ''} onClick={() => setMode('live')} data-testid="mode-live">Live</button>
            <button type="button" class={mode === 'summary' ? 'on' : ''} onClick={() => setMode('summary')} data-testid="mode-summary" title="Live rates per kind and name, top talkers and sampled rows: readable at any rate">Summary</button>
            <button type="button" class={mode === 'history' ? 'on' : ''} onClick={() => setMode('history')} data-testid="mode-history">History</button>
          </div>
          <button class="btn" type="button" onClick={() => navigate('export', formToParams(form))}>Export selection…</button>
        </>
      }
    >
      <FilterBar form={form} onChange={setForm} withTime={mode === 'history'} withRegex textError={textError} />
      <Split
        list={
          mode === 'live' ? (
            <LiveTail test={predicate.test} onSelect={setSelected} selected={selected} />
          ) : mode === 'summary' ? (
            <SummaryView test={predicate.test} onSelect={(row) => setSelected({ row, abs: null })} selected={selected?.row ?? null} />
          ) : (
            <History form={debounced} test={predicate.test} onSelect={setSelected} selected={selected} />
          )
        }
        inspector={selected && <Inspector row={selected.row} onClose={() => setSelected(null)} onOpen={(row) => setSelected({ row, abs: null })} />}
      />
    </Panel>
  );
}
