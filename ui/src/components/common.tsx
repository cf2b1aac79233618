// Small shared pieces: empty states that say what to do, errors shown where they happen,
// role badges with stable colours, stat tiles.
import type { ComponentChildren } from 'preact';

export function Empty({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <div class="empty">
      <div class="empty-title">{title}</div>
      {children && <div class="empty-body">{children}</div>}
    </div>
  );
}

export function ErrorBox({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  if (!error) return null;
  const message = error instanceof Error ? error.message : String(error);
  return (
    <div class="error" role="alert">
      <span>{message}</span>
      {onRetry && (
        <button class="btn small" onClick={onRetry} type="button">
          Retry
        </button>
      )}
    </div>
  );
}

const PALETTE = ['#2f81f7', '#d2a8ff', '#3fb950', '#f0883e', '#ff7b72', '#79c0ff', '#e3b341', '#56d364'];

/** A stable colour per role name. */
export function roleColor(role: string): string {
  const fixed: Record<string, string> = { user: '#2f81f7', agent: '#d2a8ff' };
  if (fixed[role]) return fixed[role];
  let h = 0;
  for (const c of role) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return PALETTE[h % PALETTE.length];
}

/** Colours for cluster nodes, apart from the role colours (blue and purple), so a graph
 * grouped by node is not read as roles. */
const NODE_PALETTE = ['#3fb950', '#f0883e', '#39c5cf', '#db61a2', '#e3b341', '#ff7b72', '#a5d6ff', '#8b949e'];

/** A stable colour per cluster node id. */
export function nodeColor(node: string): string {
  let h = 0;
  for (const c of node) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return NODE_PALETTE[h % NODE_PALETTE.length];
}

export function RoleBadge({ role }: { role: string }) {
  return (
    <span class="badge role" style={{ borderColor: roleColor(role), color: roleColor(role) }}>
      {role}
    </span>
  );
}

export function Stat({ label, value, hint, testId }: { label: string; value: ComponentChildren; hint?: string; testId?: string }) {
  return (
    <div class="stat" data-testid={testId}>
      <div class="stat-value">{value}</div>
      <div class="stat-label">{label}</div>
      {hint && <div class="stat-hint">{hint}</div>}
    </div>
  );
}

export function Panel({ title, actions, children, testId }: { title: string; actions?: ComponentChildren; children: ComponentChildren; testId?: string }) {
  return (
    <section class="panel" data-testid={testId}>
      <header class="panel-head">
        <h1>{title}</h1>
        <div class="panel-actions">{actions}</div>
      </header>
      <div class="panel-body">{children}</div>
    </section>
  );
}

export function Card({ title, children, actions, className }: { title?: string; children: ComponentChildren; actions?: ComponentChildren; className?: string }) {
  return (
    <div class={`card ${className ?? ''}`}>
      {(title || actions) && (
        <div class="card-head">
          {title && <h2>{title}</h2>}
          <div class="card-actions">{actions}</div>
        </div>
      )}
      <div class="card-body">{children}</div>
    </div>
  );
}
