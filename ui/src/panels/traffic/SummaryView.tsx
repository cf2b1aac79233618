// The Traffic panel's summary view: what the live stream carries, as rates instead of a tail.
// Rates per kind and name, the connections and users sending most, and sampled rows (one per
// kind and name each second) with how many like each were not shown. Redrawn once a second.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';

import type { TrafficFilter, TrafficRow } from '../../api/generated/api';
import { useConsole } from '../../app/context';
import { navigate } from '../../app/router';
import { Card, Empty, RoleBadge } from '../../components/common';
import { bytes, clock, count, preview } from '../../state/format';
import { useStore } from '../../state/store';
import './summary.css';
import { OTHER, TrafficSummary, type SummarySnapshot, type Talker } from './summary';

const EVERYTHING: TrafficFilter = {
  since_us: null, until_us: null, kinds: [], names: [], roles: [], rooms: [], topics: [], conns: [], users: [], origins: [], text: null,
};
const WINDOW_SEC = 10;

function rate(n: number): string {
  return n >= 10 ? count(Math.round(n)) : n.toFixed(1);
}

function Talkers({ title, rows, kind, testId }: { title: string; rows: Talker[]; kind: 'conn' | 'user'; testId: string }) {
  return (
    <Card title={title} className="summary-card">
      {rows.length === 0 ? (
        <Empty title="Nobody yet" />
      ) : (
        <table class="summary-table" data-testid={testId}>
          <thead><tr><th>{kind === 'conn' ? 'connection' : 'user'}</th>{kind === 'conn' ? <th>user</th> : <th class="col-role">role</th>}<th class="num">sent/s</th><th class="num">sent</th><th class="num">all rows</th></tr></thead>
          <tbody>
            {rows.map((t) => (
              <tr key={t.key}>
                <td class="mono ellipsis">
                  {t.key === OTHER ? <span class="muted">{OTHER}</span> : kind === 'conn' ? (
                    <a href={`#/connections?id=${encodeURIComponent(t.key)}`} title={t.user ? `user ${t.user}` : undefined}>{t.key}</a>
                  ) : (
                    <a href="#" onClick={(e) => { e.preventDefault(); navigate('traffic', { mode: 'summary', user: t.key }); }}>{t.key}</a>
                  )}
                </td>
                {kind === 'conn' ? <td class="ellipsis">{t.user ?? ''}</td> : <td>{t.role ? <RoleBadge role={t.role} /> : ''}</td>}
                <td class="num">{rate(t.sentPerSec)}</td>
                <td class="num">{count(t.sent)}</td>
                <td class="num">{count(t.total)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Card>
  );
}

export function SummaryView({ test, onSelect, selected }: { test: ((r: TrafficRow) => boolean) | null; onSelect: (row: TrafficRow) => void; selected: TrafficRow | null }) {
  const c = useConsole();
  const skipped = useStore(c.tailSkipped);
  const summary = useMemo(() => new TrafficSummary({ windowSec: WINDOW_SEC }), []);
  const testRef = useRef(test);
  const [snap, setSnap] = useState<SummarySnapshot>(() => summary.snapshot(16, 8));

  // A new filter starts over from the rows the tail already holds for the window.
  useEffect(() => {
    testRef.current = test;
    summary.clear();
    const rows: TrafficRow[] = [];
    const newest = c.tail.at(c.tail.length - 1)?.at_us ?? 0;
    for (let i = c.tail.length - 1; i >= 0; i--) {
      const r = c.tail.at(i) as TrafficRow;
      if (r.at_us < newest - WINDOW_SEC * 1e6) break;
      rows.push(r);
    }
    summary.add(rows.reverse(), test);
    setSnap(summary.snapshot(16, 8));
  }, [test]);

  useEffect(() => {
    c.setTail(EVERYTHING);
    const off = c.onLiveBatch((b) => summary.add(b.traffic, testRef.current, b.at_us));
    const timer = setInterval(() => setSnap(summary.snapshot(16, 8)), 1000);
    return () => {
      off();
      clearInterval(timer);
      c.setTail(null);
    };
  }, []);

  return (
    <div class="traffic-summary" data-testid="traffic-summary">
      <Card
        title={`Summary of the last ${Math.round(snap.seconds)} s`}
        actions={
          <>
            {skipped > 0 && <span class="warn" title="Rows the live stream left out to keep up; not counted here">{count(skipped)} skipped by the stream</span>}
            <span class="muted">refreshed every second</span>
          </>
        }
      >
        <div class="summary-totals">
          <div><span class="stat-value" data-testid="summary-rate">{rate(snap.perSec)}</span> rows/s</div>
          <div><span class="stat-value">{count(snap.total)}</span> rows in the window</div>
          <div class="summary-kinds" data-testid="summary-kinds">
            {snap.kinds.map((k) => (
              <span key={k.kind} class="chip" title={`${count(k.count)} rows`}><span class={`kind k-${k.kind}`}>{k.kind}</span> {rate(k.perSec)}/s</span>
            ))}
          </div>
        </div>
      </Card>
      {snap.total === 0 ? (
        <Empty title="Waiting for traffic">Rates per kind and name and the busiest connections appear here as messages arrive.</Empty>
      ) : (
        <>
          <div class="summary-grid">
            <Card title="Rates by kind and name" className="summary-card summary-names">
              <table class="summary-table" data-testid="summary-names">
                <thead><tr><th class="col-kind">kind</th><th>name</th><th class="num">per s</th><th class="num">rows</th><th class="num">bytes/s</th></tr></thead>
                <tbody>
                  {snap.names.map((n) => (
                    <tr key={`${n.kind} ${n.name}`}>
                      <td><span class={`kind k-${n.kind}`}>{n.kind}</span></td>
                      <td class="ellipsis">{n.name ?? <span class="muted">—</span>}</td>
                      <td class="num">{rate(n.perSec)}</td>
                      <td class="num">{count(n.count)}</td>
                      <td class="num">{bytes(Math.round(n.bytes / snap.seconds))}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </Card>
            <Talkers title="Connections sending most" rows={snap.conns} kind="conn" testId="summary-conns" />
            <Talkers title="Users sending most" rows={snap.users} kind="user" testId="summary-users" />
          </div>
          <Card
            title="Sampled rows: one per kind and name each second"
            className="summary-card"
            actions={<span class="muted" data-testid="summary-not-shown" title="Rows in the window that no sample shows; +N beside a sample counts those like it">{count(snap.notSampled)} rows not shown</span>}
          >
            <div class="summary-samples" data-testid="summary-samples">
              {snap.samples.map((s) => (
                <div key={`${s.row.at_us} ${s.row.kind} ${s.row.name}`} class={`sample ${s.row === selected ? 'active' : ''}`} onClick={() => onSelect(s.row)}>
                  <span class="mono">{clock(s.row.at_us)}</span>
                  <span class="ellipsis"><span class={`kind k-${s.row.kind}`}>{s.row.kind}</span></span>
                  <span class="ellipsis">{s.row.name ?? ''}</span>
                  <span class="mono ellipsis">{s.row.conn ?? ''}</span>
                  <span class="mono ellipsis payload">{preview(s.row.payload, s.row.payload_text, 120)}</span>
                  <span class="num muted" title="Rows of this kind and name in the same second that are not shown">{s.hidden > 0 ? `+${count(s.hidden)}` : ''}</span>
                </div>
              ))}
            </div>
          </Card>
        </>
      )}
    </div>
  );
}
