// 9 Try it: a test connection the console opens itself (a role and handshake parameters), to
// send requests and see their answers, subscribe to topics and watch what the server pushes.
// On the embedded server its traffic is recorded with origin `console`; attached nodes need the
// application's endpoint typed in (the console does not know where their applications listen).
import { useEffect, useMemo, useState } from 'preact/hooks';

import type { ContractView, MessageView, TryAnswer, TryList, TrySession } from '../../api/generated/api';
import { useConsole } from '../../app/context';
import { useLoad, usePoll } from '../../app/hooks';
import { navigate } from '../../app/router';
import { Card, Empty, ErrorBox, Panel, RoleBadge } from '../../components/common';
import { JsonView, pretty } from '../../components/JsonView';
import { useStore } from '../../state/store';
import { startFrom } from '../push/PushPanel';
import { parseParams } from './params';


const time = (ms: number) => new Date(ms).toLocaleTimeString(undefined, { hour12: false });

/** The requests and topics a role may use: its own and the shared topics. */
function messagesOf(contract: ContractView | null, role: string): { requests: MessageView[]; topics: MessageView[] } {
  const r = contract?.roles.find((x) => x.role === role);
  const shared = contract?.shared.filter((m) => m.kind === 'topic') ?? [];
  return { requests: r?.requests ?? [], topics: [...(r?.events.filter((m) => m.kind === 'topic') ?? []), ...shared] };
}

function OpenForm({ contract, list, params, onOpened }: { contract: ContractView | null; list: TryList | null; params: Record<string, string>; onOpened: (s: TrySession) => void }) {
  const c = useConsole();
  const host = useStore(c.host);
  const roles = contract?.roles.map((r) => r.role) ?? [];
  const [role, setRole] = useState(params.role ?? '');
  const [handshake, setHandshake] = useState('name=console-try');
  const [url, setUrl] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (!role && roles.length) setRole(params.role && roles.includes(params.role) ? params.role : roles[0]);
  }, [roles.join(',')]);
  const needsUrl = !host?.app_url;
  const full = list !== null && list.sessions.length >= list.limit;
  const open = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onOpened(await c.api.post<TrySession>('/api/try', { role, params: parseParams(handshake), url: url.trim() }));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="form" onSubmit={open} data-testid="try-open-form">
      <label>Role</label>
      <select value={role} onChange={(e) => setRole((e.target as HTMLSelectElement).value)} data-testid="try-role">
        {roles.map((r) => <option key={r} value={r}>{r}</option>)}
      </select>
      <label>Handshake parameters (one <span class="mono">key=value</span> a line)</label>
      <textarea class="mono editor" rows={3} value={handshake} onInput={(e) => setHandshake((e.target as HTMLTextAreaElement).value)} spellcheck={false} data-testid="try-params" />
      <label>Endpoint {needsUrl ? '(required)' : '(optional)'}</label>
      <input
        class="mono"
        value={url}
        onInput={(e) => setUrl((e.target as HTMLInputElement).value)}
        placeholder={needsUrl ? 'ws://app-host:port/ — Try it needs the application’s endpoint' : `empty: the embedded server (${host?.app_url})`}
        data-testid="try-url"
      />
      {needsUrl && (
        <div class="muted">
          The console is attached to nodes and does not know where their applications listen: enter the endpoint. Its
          traffic is recorded there as an ordinary client’s.
        </div>
      )}
      <div class="row">
        <button class="btn primary" type="submit" disabled={busy || !role || full || (needsUrl && !url.trim())} data-testid="try-open">
          {busy ? 'Connecting…' : 'Open test connection'}
        </button>
        {list && <span class="muted">{list.sessions.length} of {list.limit} open</span>}
      </div>
      {full && <div class="warn">All {list?.limit} test connections are open: close one first.</div>}
      <ErrorBox error={error} />
    </form>
  );
}

function Session({ s, contract, params, onChange }: { s: TrySession; contract: ContractView | null; params: Record<string, string>; onChange: () => void }) {
  const c = useConsole();
  const { requests, topics } = useMemo(() => messagesOf(contract, s.role), [contract, s.role]);
  const [name, setName] = useState('');
  const [text, setText] = useState('{}');
  const [topic, setTopic] = useState('');
  const [answer, setAnswer] = useState<TryAnswer | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const pick = (n: string) => {
    setName(n);
    const m = requests.find((r) => r.name === n);
    if (m) setText(pretty(startFrom(m)));
  };
  useEffect(() => {
    if (requests.length && !requests.some((r) => r.name === name)) pick(params.request && requests.some((r) => r.name === params.request) ? params.request : requests[0].name);
    if (topics.length && !topic) setTopic(params.topic && topics.some((t) => t.name === params.topic) ? params.topic : topics[0].name);
  }, [requests, topics]);
  let parsed: unknown = null;
  let parseError: string | null = null;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    parseError = (e as Error).message;
  }
  const call = async (f: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await f();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
      onChange();
    }
  };
  const send = (e: Event) => {
    e.preventDefault();
    call(async () => {
      setAnswer(null);
      setAnswer(await c.api.post<TryAnswer>(`/api/try/${s.id}/request`, { name, payload: parsed }));
    });
  };
  const sub = (t: string, on: boolean) => call(async () => {
    await c.api.post<TrySession>(`/api/try/${s.id}/${on ? 'subscribe' : 'unsubscribe'}`, { topic: t });
  });
  return (
    <div data-testid="try-session" data-id={s.id} data-state={s.state}>
      <div class="row try-head">
        <RoleBadge role={s.role} />
        <span class="mono">{s.id}</span>
        <span class={s.state === 'connected' ? 'ok' : 'warn'} data-testid="try-state">{s.state}</span>
        <span class="muted grow">{s.console_origin ? 'recorded as origin console' : `recorded by ${s.url} as a client`}</span>
      </div>
      <form class="form" onSubmit={send}>
        <label>Request</label>
        {requests.length === 0 ? (
          <div class="muted">Role {s.role} declares no requests.</div>
        ) : (
          <select value={name} onChange={(e) => pick((e.target as HTMLSelectElement).value)} data-testid="try-request-name">
            {requests.map((m) => <option key={m.name} value={m.name}>{m.name}{m.description ? ` — ${m.description}` : ''}</option>)}
          </select>
        )}
        <label>Payload</label>
        <textarea class="mono editor" rows={6} value={text} onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} spellcheck={false} data-testid="try-payload" />
        {parseError && <div class="error">Not JSON: {parseError}</div>}
        <div class="row">
          <button class="btn primary" type="submit" disabled={busy || !name || parseError !== null || s.state !== 'connected'} data-testid="try-send">Send request</button>
        </div>
        {answer && (
          <div class={`result ${answer.ok ? '' : 'nobody'}`} data-testid="try-answer" data-ok={String(answer.ok)}>
            {answer.ok ? <span class="ok">Answered</span> : <span class="warn">{answer.error}</span>}{' '}
            <span class="muted">in {answer.took_ms.toFixed(1)} ms</span>
            {(answer.ok || answer.reply !== null) && <JsonView value={answer.reply} />}
          </div>
        )}
      </form>
      <div class="form">
        <label>Topics</label>
        <div class="row">
          <select value={topic} onChange={(e) => setTopic((e.target as HTMLSelectElement).value)} data-testid="try-topic">
            {topics.map((m) => <option key={m.name} value={m.name}>{m.name}</option>)}
          </select>
          <button class="btn" type="button" disabled={busy || !topic || s.subscriptions.includes(topic)} onClick={() => sub(topic, true)} data-testid="try-subscribe">Subscribe</button>
        </div>
        <div class="chips" data-testid="try-subscriptions">
          {s.subscriptions.length === 0 && <span class="muted">not subscribed to anything</span>}
          {s.subscriptions.map((t) => (
            <span class="chip on" key={t}>
              {t} <button class="btn small" type="button" onClick={() => sub(t, false)} title="Unsubscribe">×</button>
            </span>
          ))}
        </div>
      </div>
      <ErrorBox error={error} />
    </div>
  );
}

export function TryPanel({ params }: { params: Record<string, string> }) {
  const c = useConsole();
  const contract = useLoad(() => c.api.get<ContractView>('/api/contract'), []);
  const [list, setList] = useState<TryList | null>(null);
  const [listError, setListError] = useState<unknown>(null);
  const load = () => c.api.get<TryList>('/api/try').then((l) => { setList(l); setListError(null); }, setListError);
  usePoll(load, 1000);
  const current = list?.sessions.find((s) => s.id === params.id) ?? null;
  const here = (p: Record<string, string | undefined>) => navigate('try', { ...params, ...p });
  const close = async (id: string) => {
    setList(await c.api.del<TryList>(`/api/try/${id}`));
    // Back to the open form, unless the user has moved to another panel meanwhile.
    if (params.id === id && location.hash.startsWith('#/try')) here({ id: undefined });
  };
  return (
    <Panel title="Try it" testId="panel-try">
      <ErrorBox error={contract.error ?? listError} onRetry={contract.reload} />
      <div class="grid2 push-layout">
        <Card title={current ? 'Test connection' : 'Open a test connection'}>
          {list && list.sessions.length > 0 && (
            <div class="chips try-tabs" data-testid="try-list">
              {list.sessions.map((s) => (
                <span key={s.id} class={`chip ${s.id === current?.id ? 'on' : ''}`}>
                  <a href="#" onClick={(e) => { e.preventDefault(); here({ id: s.id }); }}>{s.id} · {s.role}</a>
                  <button class="btn small" type="button" onClick={() => close(s.id)} title="Close this connection" data-testid={`try-close-${s.id}`}>×</button>
                </span>
              ))}
              <a href="#" class="chip" onClick={(e) => { e.preventDefault(); here({ id: undefined }); }}>+ new</a>
            </div>
          )}
          {current ? (
            <Session key={current.id} s={current} contract={contract.data} params={params} onChange={load} />
          ) : (
            <OpenForm contract={contract.data} list={list} params={params} onOpened={(s) => { load(); here({ id: s.id }); }} />
          )}
        </Card>
        <Card title="Received">
          {!current ? (
            <Empty title="No connection selected">Open a test connection: the events and topic publications it receives appear here.</Empty>
          ) : current.pushes.length === 0 ? (
            <Empty title="Nothing received yet">Events the server sends this connection and publications on its topics appear here.</Empty>
          ) : (
            <>
              {current.dropped > 0 && <div class="warn">{current.dropped} older pushes dropped (the newest {current.pushes.length} are kept).</div>}
              <table class="table try-pushes" data-testid="try-pushes">
                <thead><tr><th>time</th><th>kind</th><th>name</th><th>payload</th></tr></thead>
                <tbody>
                  {[...current.pushes].reverse().map((p) => (
                    <tr key={p.seq}>
                      <td class="mono">{time(p.at_ms)}</td>
                      <td><span class={`badge kind-${p.kind}`}>{p.kind}</span></td>
                      <td class="mono">{p.name}</td>
                      <td class="mono ellipsis" title={JSON.stringify(p.payload)}>{JSON.stringify(p.payload)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )}
        </Card>
      </div>
    </Panel>
  );
}
