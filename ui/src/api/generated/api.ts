// Generated from the Rust types in console-core/src/types by
// `SWITCHBOARD_UPDATE_TYPES=1 cargo test -p switchboard-console-core --test console ts_types`.
// Do not edit by hand: the test fails when this file and the Rust types differ.

/**
 * What kind of thing happened. The string forms (`as_str`) are what the capture file stores.
 */
export type TapKind = "connect" | "disconnect" | "heartbeat_reap" | "slow_consumer" | "auth_refused" | "request_in" | "response_out" | "error_out" | "server_request" | "server_reply" | "server_reply_error" | "emit" | "to_conn" | "to_user" | "room_broadcast" | "broadcast" | "role_publish" | "shared_publish" | "bus_local" | "bus_out" | "bus_in" | "bus_in_rejected" | "room_add" | "room_remove" | "subscribe" | "unsubscribe" | "subscribe_denied" | "frame_error" | "env" | "subscribe_ack" | "conn_error" | "ping" | "pong";

/**
 * Who caused a message.
 */
export type Origin = "client" | "server" | "manual" | "replay" | "console";

/**
 * How many connections of one role.
 */
export type RoleCount = { role: string, connections: number, };

/**
 * One problem with a payload, as the server's validators report it: `path` holds object keys
 * (strings) and array indexes (numbers) from the root of the payload.
 */
export type ApiIssue = { path: Array<string | number>, message: string, };

/**
 * The body of every failed API call: a sentence for people, a stable code for code, and the
 * schema issues when a payload was refused.
 */
export type ApiErrorBody = { error: string, 
/**
 * `unauthorized`, `forbidden`, `not_found`, `bad_request`, `validation`, `conflict`,
 * `unavailable` or `internal`.
 */
code: string, issues: Array<ApiIssue>, };

/**
 * Where the UI is shown. The same UI runs in both; only saving an export differs.
 */
export type HostMode = "window" | "browser";

export type HostInfo = { mode: HostMode, 
/**
 * The console's version.
 */
version: string, node_id: string, 
/**
 * Where applications connect: `ws://ADDR/`.
 */
app_url: string, 
/**
 * What the server runs: `demo`, a contract file's path, or `application`.
 */
source: string, 
/**
 * The capture file traffic is recorded into (`null` when recording is off).
 */
capture_path: string | null, };

/**
 * One server node, from the cluster's presence registry (a single node without a cluster).
 */
export type NodeRow = { id: string, connections: number, rooms: number, 
/**
 * Whether the node refreshed its presence record recently.
 */
alive: boolean, 
/**
 * Whether this is the node the console runs on.
 */
local: boolean, 
/**
 * Attach mode: the console's link to the node (absent for the embedded server's cluster).
 */
link?: NodeLink, };

export type TopicRow = { 
/**
 * `null` for a shared topic (the bus).
 */
role: string | null, topic: string, subscribers: number, 
/**
 * In-process bus listeners (shared topics only).
 */
listeners: number, };

/**
 * Totals since the server started.
 */
export type ServerCounters = { connections_total: number, refused_upgrades: number, slow_consumers: number, reaped: number, frame_errors: number, handler_panics: number, listener_faults: number, 
/**
 * Calls to an observer (recorder, console, inspector) that panicked.
 */
tap_faults: number, 
/**
 * Sockets still held by a writer task, closing connections included (a gauge).
 */
open_sockets: number, 
/**
 * Connections still in their HTTP upgrade (a gauge).
 */
pending_upgrades: number, 
/**
 * Upgrades dropped to make room under `max_pending_upgrades`.
 */
evicted_upgrades: number, 
/**
 * Upgrades dropped for sending their headers too slowly (`upgrade_timeout`).
 */
upgrade_timeouts: number, 
/**
 * Joins and subscribes refused by the per-connection room and topic caps, answered
 * `LIMIT_EXCEEDED`.
 */
membership_refusals: number, };

/**
 * The recorder's status row.
 */
export type RecorderStatus = { 
/**
 * False when the console runs without a capture file.
 */
active: boolean, path: string | null, rows_written: number, 
/**
 * Events dropped because the recorder's queue was full, in rows or in bytes.
 */
dropped: number, 
/**
 * Of `dropped`, the events refused because `max_backlog_bytes` of payload were already
 * waiting to be committed.
 */
dropped_over_bytes: number, write_errors: number, rows_lost: number, queue_depth: number, 
/**
 * Payload bytes accepted and not yet committed: what a crash now would lose.
 */
backlog_bytes: number, file_bytes: number, last_error: string | null, };

/**
 * Messages in one second, by category. Categories group tap kinds:
 * requests = `request_in`; responses = `response_out`; errors = `error_out`, `frame_error`,
 * `server_reply_error`, `bus_in_rejected`, `subscribe_denied`, `auth_refused`; pushes = `emit`,
 * `to_conn`, `to_user`, `server_request`, `server_reply`; broadcasts = `room_broadcast`,
 * `broadcast`; publishes = `role_publish`, `shared_publish`, `bus_local`, `bus_out`, `bus_in`;
 * membership = `room_add`, `room_remove`, `subscribe`, `unsubscribe`; lifecycle = `connect`,
 * `disconnect`, `heartbeat_reap`, `slow_consumer`. `connections` is not a rate: the open
 * connections as the second closed.
 */
export type RateSample = { 
/**
 * The second, as Unix seconds.
 */
t: number, requests: number, responses: number, errors: number, pushes: number, broadcasts: number, publishes: number, membership: number, lifecycle: number, connections: number, };

/**
 * The console's own live pipeline: what it could not keep up with.
 */
export type LiveStatus = { 
/**
 * Tapped events the live view dropped because its queue was full.
 */
dropped: number, 
/**
 * Console clients connected to the live stream.
 */
clients: number, };

export type Overview = { nodes: Array<NodeRow>, 
/**
 * `memory` (one node) or `redis`.
 */
transport: string, 
/**
 * The cluster could not be asked (the local node is shown alone).
 */
cluster_error: string | null, connections: number, roles: Array<RoleCount>, rooms: number, topics: Array<TopicRow>, counters: ServerCounters, recorder: RecorderStatus, live: LiveStatus, 
/**
 * Up to the last ten minutes, oldest first, one sample per second.
 */
rates: Array<RateSample>, };

export type RoomRow = { name: string, size: number, 
/**
 * Members per role, largest first.
 */
roles: Array<RoleCount>, };

export type RoomList = { 
/**
 * Rooms whose name contains the query, by name.
 */
rooms: Array<RoomRow>, 
/**
 * All rooms on the node, whatever the query.
 */
total: number, };

/**
 * A connection as a member of something.
 */
export type MemberRow = { id: string, role: string, user: string, 
/**
 * The node holding the connection (the console's own server in embedded mode).
 */
node?: string, };

export type RoomDetail = { name: string, size: number, 
/**
 * Members, by role then id; at most `limit` of them.
 */
members: Array<MemberRow>, truncated: boolean, };

/**
 * Body of `POST /api/rooms/{room}/members`.
 */
export type MemberChange = { conn: string, };

/**
 * What a membership change did: `false` when the connection already was (or was not) a member.
 */
export type MemberChangeResult = { changed: boolean, };

/**
 * A connection node of the graph, with the rooms it belongs to (its edges).
 */
export type GraphConn = { id: string, role: string, user: string, rooms: Array<string>, 
/**
 * The node holding the connection (the console's own server in embedded mode).
 */
node?: string, };

/**
 * Members of one room with one role (on one node), drawn as one node when there are too many
 * connections to draw each. The UI adds them up by role, or by node when it groups by node.
 */
export type GraphGroup = { room: string, role: string, count: number, 
/**
 * The node holding these members (absent for members that do not say).
 */
node?: string, };

/**
 * Members the panel asked for in a grouped graph: the selected room's (`facet` absent), or
 * the members of one expanded group (`facet` is its role, or its node with `by_node`).
 */
export type GraphMembers = { room: string, facet?: string, 
/**
 * By role then id (a room's), or by id (a group's); at most
 * [`GRAPH_ROOM_MEMBERS`](crate::nodes::graph::GRAPH_ROOM_MEMBERS) or
 * [`GRAPH_GROUP_MEMBERS`](crate::nodes::graph::GRAPH_GROUP_MEMBERS).
 */
members: Array<MemberRow>, 
/**
 * How many there are in all (the room's size, or the group's count).
 */
total: number, };

/**
 * The membership graph at one instant. Up to
 * [`GRAPH_CONN_LIMIT`](crate::nodes::graph::GRAPH_CONN_LIMIT) distinct members, `conns` lists
 * every room member with its rooms, so the UI keeps the membership by connection and applies
 * the live stream's joins and leaves exactly. Past it (`grouped`), no member is listed but the
 * ones asked for (`listed`: the selected room's, the expanded groups'): the rooms and the
 * members per room and role (`groups`) are counted here, and the UI asks again when the live
 * stream says membership changed. Every count comes from the same walk, so the list, the
 * detail and the graph show one number for a room.
 */
export type MembershipGraph = { rooms: Array<RoomRow>, grouped: boolean, 
/**
 * Distinct connections in at least one room.
 */
members: number, 
/**
 * Empty when `grouped`.
 */
conns: Array<GraphConn>, groups: Array<GraphGroup>, 
/**
 * Empty unless `grouped`.
 */
listed: Array<GraphMembers>, 
/**
 * Distinct connections in at least one room per role, largest first: a connection in
 * two rooms counts once (summing `groups` counts it once per room).
 */
by_role: Array<RoleCount>, 
/**
 * The same per node ("?" for members that do not say), largest first.
 */
by_node: Array<NodeCount>, };

/**
 * How many connections one node holds (of those counted).
 */
export type NodeCount = { node: string, connections: number, };

/**
 * One connection as the list shows it.
 */
export type ConnRow = { id: string, role: string, user: string, node: string, 
/**
 * `client` for ordinary connections, `replay` for the replayer's.
 */
origin: string, connected_at_us: number, last_pong_us: number | null, missed_pongs: number, rooms: Array<string>, topics: Array<string>, msgs_in: number, msgs_out: number, bytes_in: number, bytes_out: number, queue_depth: number, 
/**
 * Bytes waiting in its outbound queue or being written (bounded by the server's
 * `outbound_queue_bytes`; past it the connection is closed as a slow consumer). From an
 * attached node, as of its latest snapshot.
 */
queue_bytes: number, 
/**
 * Error replies, failed replies to the server's requests, denied subscriptions and
 * unreadable frames (0 from attached nodes whose inspector predates the field).
 */
errors: number, 
/**
 * The client's address as the server saw it.
 */
remote: string | null, 
/**
 * The upgrade request's `User-Agent`.
 */
user_agent: string | null, };

/**
 * A column the connection list can be sorted by; without one the list is grouped by role,
 * oldest first.
 */
export type ConnSort = "msgs_in" | "msgs_out" | "queue" | "queue_bytes" | "errors" | "age";

/**
 * Query of `GET /api/connections`.
 */
export type ConnQuery = { 
/**
 * Only this role.
 */
role: string | null, 
/**
 * Text that the id, user, or one of the rooms or topics contains.
 */
q: string | null, offset: number | null, 
/**
 * At most 1000; default 200.
 */
limit: number | null, 
/**
 * Only connections on this node (attach mode follows several).
 */
node?: string, 
/**
 * Sort by this column (over every matching connection, then paged).
 */
sort?: ConnSort, 
/**
 * Largest (or, for age, oldest) first. Default: true.
 */
desc?: boolean, };

/**
 * A window of the connection list, ordered by role then connection time.
 */
export type ConnPage = { 
/**
 * Connections matching the query.
 */
total: number, offset: number, rows: Array<ConnRow>, 
/**
 * All connections per role, whatever the query.
 */
roles: Array<RoleCount>, };

/**
 * One connection in depth.
 */
export type ConnDetail = { info: ConnRow, 
/**
 * Upgrade query parameters, secrets masked.
 */
params: { [key in string]: string }, 
/**
 * The upgrade request's headers (at most 32, values cut at 512 bytes), secrets masked.
 */
headers: { [key in string]: string }, 
/**
 * The server-side context from `authenticate`, secrets masked.
 */
ctx: unknown, 
/**
 * The client-visible state last sent in `env`, secrets masked.
 */
env: unknown, 
/**
 * Its most recent recorded traffic, oldest first.
 */
recent: Array<TrafficRow>, };

/**
 * Body of `POST /api/connections/{id}/disconnect`.
 */
export type DisconnectRequest = { 
/**
 * Sent with close code 4000. Default: "closed from the console".
 */
reason: string | null, };

export type MessageKind = "request" | "event" | "topic";

export type Direction = "client_to_server" | "server_to_client";

/**
 * One message's traffic: the rows the capture file held when the console started, plus what
 * went by since.
 */
export type MessageStats = { 
/**
 * Requests received, or pushes and publishes sent.
 */
count: number, 
/**
 * Requests answered with an error.
 */
errors: number, 
/**
 * Answers (replies and errors) with a duration.
 */
answered: number, 
/**
 * Answer durations in microseconds, from a histogram of four buckets per doubling: the
 * upper bound of the percentile's bucket, never below the true value and at most 25 %
 * above it.
 */
p50_us: number | null, p95_us: number | null, p99_us: number | null, };

/**
 * Where per-message statistics come from: always the traffic since the console started, and
 * with a capture file the rows it already held (read once at start, in the background).
 */
export type StatsSource = { 
/**
 * The console records into a capture file, whose earlier rows are counted.
 */
capture: boolean, 
/**
 * The capture's earlier rows are still being read: counts may still grow.
 */
loading: boolean, 
/**
 * Rows read from the capture (requests, answers, pushes and publishes of earlier runs
 * and imports).
 */
capture_rows: number, 
/**
 * Why the capture's rows could not be read, when they could not.
 */
error: string | null, };

/**
 * One message of the contract.
 */
export type MessageView = { name: string, kind: MessageKind, direction: Direction, description: string | null, 
/**
 * The payload's schema (a request's input).
 */
schema: unknown, 
/**
 * A request's output schema.
 */
output: unknown, 
/**
 * A value valid against `schema`: where the push editor starts when nothing was recorded.
 */
sample: unknown, 
/**
 * The payload of the most recent recorded message of this name (a request's input,
 * from this role), when the capture has one: the push editor and "Try it" start there.
 */
recorded: unknown, 
/**
 * When `recorded` was recorded.
 */
recorded_at_us: number | null, 
/**
 * Its traffic in the capture file (earlier runs and imports) and since this console
 * started; `None` when none is known (see [`ContractView::stats_source`]).
 */
stats: MessageStats | null, };

export type RoleView = { role: string, requests: Array<MessageView>, 
/**
 * Events and topics only this role receives.
 */
events: Array<MessageView>, };

export type ContractView = { 
/**
 * Shared events (room and server-wide broadcasts) and shared topics (the bus).
 */
shared: Array<MessageView>, roles: Array<RoleView>, 
/**
 * The contract as a contract file would hold it.
 */
spec: unknown, 
/**
 * Where the messages' `stats` come from.
 */
stats_source: StatsSource, };

/**
 * One message or change. Recorded rows carry their `seq` in the capture file; live rows have
 * none yet (`null`).
 */
export type TrafficRow = { seq: number | null, at_us: number, kind: TapKind, 
/**
 * Request, event or topic name.
 */
name: string | null, conn: string | null, role: string | null, user: string | null, rooms: Array<string>, topic: string | null, 
/**
 * The payload JSON as it went on the wire.
 */
payload: unknown, 
/**
 * A payload that is not JSON (the start of a frame that could not be parsed).
 */
payload_text: string | null, size: number, recipients: number | null, origin: Origin, 
/**
 * Close codes, durations, error codes, filters.
 */
meta: unknown, 
/**
 * The node it happened on (absent in rows from older consoles).
 */
node?: string, 
/**
 * `sent` (client to server) or `received` (server to client), from the connection's
 * side; absent for lifecycle and membership rows.
 */
direction?: string, 
/**
 * The `seq` of the request whose handler made this row (recorded rows only).
 */
cause?: number, 
/**
 * On an answer: the `seq` of the request it answers.
 */
request_seq?: number, 
/**
 * On an answer: microseconds from the request to it.
 */
latency_us?: number, 
/**
 * On an error row: its code (`VALIDATION`, `FORBIDDEN`, `BAD_REQUEST`...).
 */
code?: string, };

/**
 * A selection of traffic. Empty lists and `null` do not restrict; a list matches any of its
 * values; every given field must match. The same filter drives the live tail, the history
 * and exports, so what is shown is what gets exported.
 */
export type TrafficFilter = { 
/**
 * At or after (microseconds since the Unix epoch).
 */
since_us: number | null, 
/**
 * Strictly before.
 */
until_us: number | null, kinds: Array<TapKind>, 
/**
 * Kinds left out (the UI hides `ping` and `pong` unless asked); absent: none.
 */
exclude_kinds?: Array<TapKind>, names: Array<string>, roles: Array<string>, rooms: Array<string>, topics: Array<string>, conns: Array<string>, users: Array<string>, origins: Array<Origin>, 
/**
 * Text the payload contains, ignoring ASCII case.
 */
text: string | null, 
/**
 * Rows from these nodes (attach mode); absent or empty: every node.
 */
nodes?: Array<string>, };

/**
 * Where a history page starts.
 */
export type TrafficCursor = { "at": "start" } | { "at": "end" } | { "at": "after", seq: number, } | { "at": "before", seq: number, };

/**
 * Body of `POST /api/traffic/query`.
 */
export type TrafficQuery = { filter: TrafficFilter, cursor: TrafficCursor, 
/**
 * 1 to 5000.
 */
limit: number, };

/**
 * Rows in ascending `seq` order, whichever way they were fetched.
 */
export type TrafficPage = { rows: Array<TrafficRow>, has_older: boolean, has_newer: boolean, };

/**
 * `GET /api/traffic/{seq}/related`: the rows a recorded row is paired with.
 */
export type TrafficRelated = { 
/**
 * For a request: its answer (`response_out` or `error_out`).
 */
answer: TrafficRow | null, 
/**
 * For an answer: its request.
 */
request: TrafficRow | null, 
/**
 * For a row made inside a handler: that handler's request.
 */
cause: TrafficRow | null, };

/**
 * Who a manual push goes to.
 */
export type PushTarget = { "kind": "conn", id: string, } | { "kind": "user", user: string, } | { "kind": "rooms", rooms: Array<string>, except: string | null, } | { "kind": "role_topic", role: string, } | { "kind": "shared_topic" } | { "kind": "everyone" };

export type PushRequest = { target: PushTarget, 
/**
 * The event's name, or the topic's for the topic targets.
 */
name: string, payload: unknown, };

/**
 * One manual push and what came of it.
 */
export type PushRecord = { id: number, at_us: number, request: PushRequest, 
/**
 * Connections that received it (`null` when it failed).
 */
delivered: number | null, error: string | null, 
/**
 * Who it was sent to: the connections the target selected when it was sent (the first
 * 100, by role then id; `delivered` counts them all). Empty for attached nodes.
 */
receivers: Array<MemberRow>, 
/**
 * Attach mode: what each node the push went to did with it.
 */
nodes?: Array<NodePushResult>, };

/**
 * Newest first, at most the last 200 pushes; kept across restarts beside the capture file.
 */
export type PushHistory = { pushes: Array<PushRecord>, };

export type ExportFormatName = "jsonl" | "csv" | "har" | "sqlite";

/**
 * Which secrets to mask.
 */
export type RedactionOptions = { 
/**
 * Mask values under keys that look secret (token, password, secret, cookie, api key...).
 */
default_keys: boolean, 
/**
 * More keys to mask, matched whole.
 */
keys: Array<string>, 
/**
 * JSON paths to mask, such as `$.auth.token` or `$.items[*].card`.
 */
paths: Array<string>, };

export type SaveMode = "download" | "native";

export type ExportRequest = { filter: TrafficFilter, format: ExportFormatName, redaction: RedactionOptions, save: SaveMode, };

export type ExportResult = { 
/**
 * For `GET /api/exports/{id}` (downloads only).
 */
id: string | null, file_name: string, rows: number, bytes: number, 
/**
 * Where the native dialog saved it.
 */
saved_to: string | null, 
/**
 * The user closed the save dialog without choosing a file.
 */
cancelled: boolean, };

/**
 * What a replay re-creates.
 */
export type ReplayKind = "clients" | "pushes";

/**
 * Which rows of a capture to replay. Empty fields do not restrict; given fields must all
 * match.
 */
export type ReplaySelection = { 
/**
 * One capture session (default: every session in the file).
 */
session?: number | null, 
/**
 * Rows at or after this time (µs since the Unix epoch).
 */
since_us?: number | null, 
/**
 * Rows strictly before this time.
 */
until_us?: number | null, 
/**
 * Only these recorded connections.
 */
conns?: Array<string>, 
/**
 * Exactly these rows (as selected in the console's Traffic view).
 */
seqs?: number[], };

/**
 * `POST /api/replay`.
 */
export type ReplayRequest = { selection: ReplaySelection, mode: ReplayKind, 
/**
 * `isolated` (the default: a server started for the replay with the embedded server's
 * contract and handlers, on a private port, that no real client is connected to), `live`
 * (this console's server, where real clients receive what the replay causes; `embedded`
 * is the same) or a `ws://` URL (client replay only). In proxy mode: `upstream` (the
 * default there), the server the proxy relays to, or a `ws://` URL.
 */
target: string, 
/**
 * 1 = recorded timing, 2 = twice as fast, 0 = no waiting.
 */
speed: number, 
/**
 * JSON paths left out of comparisons (`$..ts`, `$.d.id`).
 */
ignore: Array<string>, 
/**
 * Events and topics (by name) left out of the push comparison on both sides: what the
 * target sends on its own schedule (a timer's `ticker`). Needed against a proxy's
 * upstream, whose pushes all count as caused by the clients (docs/proxy.md).
 */
ignore_events: Array<string>, 
/**
 * Count a push received at another position than recorded as missing plus extra instead
 * of as moved (which is not a difference).
 */
strict_order: boolean, };

/**
 * Where a replay stands. `failed`: it could not start (the error says why).
 */
export type ReplayState = "ready" | "running" | "paused" | "stopped" | "finished" | "failed";

/**
 * How a replayed message compares with the recorded one.
 */
export type ReplayStatusKind = "same" | "differs" | "missing" | "extra" | "skipped" | "moved";

/**
 * Which stream of a connection a message belongs to.
 */
export type ReplayStream = "reply" | "push" | "fired";

/**
 * One place where the recorded and the replayed frame disagree.
 */
export type ReplayDiff = { 
/**
 * Where, as a JSON path from the frame's root (`$.d.text`).
 */
path: string, 
/**
 * The recorded value there (`None`: the recorded frame has nothing at this path).
 */
recorded?: unknown, 
/**
 * The replayed value there (`None`: the replayed frame has nothing at this path).
 */
replayed?: unknown, };

/**
 * One compared message.
 */
export type ReplayMessage = { stream: ReplayStream, 
/**
 * Position in its stream on this connection (0-based).
 */
index: number, 
/**
 * Request, event, topic or action label.
 */
name: string, status: ReplayStatusKind, 
/**
 * The row that was re-sent (replies) or fired (push replay).
 */
action_seq?: number | null, 
/**
 * The row holding the recorded frame.
 */
recorded_seq?: number | null, recorded?: unknown, replayed?: unknown, diffs?: Array<ReplayDiff>, note?: string | null, };

/**
 * One recorded connection and what its replay did, without its messages.
 */
export type ReplayConnection = { session_id: number, 
/**
 * The recorded connection id.
 */
conn: string, role: string, user: string | null, 
/**
 * Why the connection could not be opened, if it could not.
 */
error: string | null, notes: Array<string>, 
/**
 * Messages compared on this connection.
 */
message_count: number, 
/**
 * Of those, how many differ, are missing or are extra.
 */
difference_count: number, 
/**
 * Of those, how many arrived unchanged at another position.
 */
moved_count: number, };

/**
 * Which messages of the last report `GET /api/replay/messages` lists.
 */
export type ReplayMessageFilter = "differences" | "moved" | "all";

/**
 * Query of `GET /api/replay/messages`: a window of the last report's messages, so a report of
 * a busy session (hundreds of thousands of messages) is never sent whole.
 */
export type ReplayMessageQuery = { filter: ReplayMessageFilter, 
/**
 * Only this recorded connection (`fired` for push replay's pushes).
 */
conn: string | null, 
/**
 * Only one group of differences (see the result's `groups`): its status, and its path
 * (`differs`) or message name (`missing`, `extra`).
 */
status: ReplayStatusKind | null, path: string | null, name: string | null, offset: number | null, 
/**
 * At most 500; default 100.
 */
limit: number | null, };

/**
 * One message of the report with the connection it belongs to.
 */
export type ReplayEntry = { 
/**
 * The recorded connection id; `null` for a push fired by push replay.
 */
conn: string | null, role: string | null, user: string | null, message: ReplayMessage, };

/**
 * `GET /api/replay/messages`: connections in report order, each connection's replies then
 * pushes, then the fired pushes.
 */
export type ReplayPage = { 
/**
 * Messages matching the query.
 */
total: number, offset: number, items: Array<ReplayEntry>, };

/**
 * Counts of each status over every message of the report.
 */
export type ReplaySummary = { messages: number, same: number, differs: number, missing: number, extra: number, skipped: number, 
/**
 * Reports written before moves were recognised have no such field.
 */
moved: number, 
/**
 * `differs + missing + extra`: what fails a `--check` (kept by [`Summary::add`]; reports
 * written before the field have none, [`Summary::differences`] recomputes it).
 */
differences: number, };

/**
 * A finished (or stopped) replay's report, without its messages.
 */
export type ReplayResult = { 
/**
 * The URL (or `embedded server <node>`) replayed against.
 */
target: string, started_us: number, finished_us: number, summary: ReplaySummary, 
/**
 * Rows of the selection that could not be replayed.
 */
skipped_rows: number, connections: Array<ReplayConnection>, 
/**
 * Push replay: recorded pushes fired again.
 */
push_count: number, 
/**
 * Of those, how many came out different.
 */
push_difference_count: number, 
/**
 * The differences grouped by what differs, largest group first: one group per JSON path
 * of the messages that differ (`$.d.delivered changed in 4,033 messages`), one per message
 * name of those missing or extra.
 */
groups: Array<ReplayDiffGroup>, };

/**
 * Messages that differ in the same way.
 */
export type ReplayDiffGroup = { 
/**
 * `differs`, `missing` or `extra`.
 */
status: ReplayStatusKind, 
/**
 * For `differs`: the JSON path that changed (a message may be in several groups).
 */
path: string | null, 
/**
 * For `missing` and `extra`: the request, event or topic name.
 */
name: string | null, count: number, };

/**
 * `GET /api/replay`: the current or last replay (`id: null` before the first one).
 */
export type ReplayStatus = { id: string | null, state: ReplayState, sent: number, total: number, diffs: number, request: ReplayRequest | null, error: string | null, report: ReplayResult | null, };

/**
 * `POST /api/replay`'s answer.
 */
export type ReplayStarted = { id: string, };

/**
 * A capture session a replay can pick.
 */
export type ReplaySession = { id: number, started_us: number, node_id: string, imported_from: string | null, 
/**
 * The session this console is recording now.
 */
current: boolean, };

/**
 * `GET /api/replay/sessions`, newest first.
 */
export type ReplaySessions = { sessions: Array<ReplaySession>, };

/**
 * A change to who is connected and who is where.
 */
export type Change = { "type": "connect", conn: MemberRow, } | { "type": "disconnect", conn: MemberRow, } | { "type": "join", room: string, conn: MemberRow, } | { "type": "leave", room: string, conn: MemberRow, } | { "type": "subscribe", topic: string, conn: MemberRow, } | { "type": "unsubscribe", topic: string, conn: MemberRow, };

/**
 * Counts as of the end of the batch.
 */
export type LiveSummary = { connections: number, roles: Array<RoleCount>, rooms: number, topics: number, counters: ServerCounters, recorder: RecorderStatus, live: LiveStatus, };

/**
 * Everything that happened in one window (about 250 ms), sent as one message.
 */
export type LiveBatch = { 
/**
 * Increases by one per batch; a gap means this client missed batches (and should reload
 * its snapshots).
 */
seq: number, at_us: number, summary: LiveSummary, 
/**
 * Seconds completed since the previous batch.
 */
rates: Array<RateSample>, changes: Array<Change>, 
/**
 * Rows matching this client's tail filter; empty unless it asked for a tail.
 */
traffic: Array<TrafficRow>, 
/**
 * Matching rows left out of this batch because it was full.
 */
traffic_skipped: number, 
/**
 * The console fell behind (events dropped, or this client skipped batches): membership
 * in `changes` is incomplete, so reload the snapshots.
 */
resync: boolean, };

/**
 * What a console client sends on the live stream.
 */
export type LiveCommand = { "type": "tail", filter: TrafficFilter, } | { "type": "untail" };

/**
 * Where the console's link to a node stands.
 */
export type LinkState = "embedded" | "connecting" | "attached" | "lost" | "reconnecting" | "proxy";

/**
 * One node and the console's link to it.
 */
export type NodeLink = { 
/**
 * The console's number for this link (what `DELETE /api/nodes/{id}` takes).
 */
id: number, 
/**
 * The attach URL with its token masked (empty for the embedded server).
 */
url: string, 
/**
 * The node's id from its `hello` (`null` until it has been reached once).
 */
node: string | null, 
/**
 * Found through cluster discovery (`switchboard attach --redis`) rather than added by URL.
 */
discovered: boolean, state: LinkState, 
/**
 * Connections and rooms on the node as of now (as of the loss when it is lost).
 */
connections: number, rooms: number, 
/**
 * Events lost on the way: reported by the node's session queue, plus those this console
 * could not read in time. The view is refreshed from a snapshot after each loss.
 */
dropped: number, 
/**
 * Frames from the node that were not the protocol; skipped, never fatal.
 */
bad_frames: number, 
/**
 * Sessions begun (more than one means it was lost and attached again).
 */
attaches: number, 
/**
 * Why the last attempt or session failed.
 */
last_error: string | null, 
/**
 * The Switchboard release the node runs.
 */
server_version: string | null, };

/**
 * `GET /api/nodes`.
 */
export type NodeList = { 
/**
 * `embedded` (the console runs its own server), `attach` (it observes other processes)
 * or `proxy` (it relays clients to an upstream server and records what passes).
 */
mode: string, nodes: Array<NodeLink>, 
/**
 * Cluster discovery, when the console follows a cluster's presence (`--redis`).
 */
discovery: DiscoveryStatus | null, };

/**
 * How cluster discovery is doing.
 */
export type DiscoveryStatus = { 
/**
 * Where nodes are discovered (the Redis URL, its password masked).
 */
source: string, 
/**
 * `starting`, `following` (the last listing worked) or `paused` (it failed: attached
 * nodes stay attached, and no node is added or forgotten until listings work again).
 */
state: string, 
/**
 * Nodes that advertised an inspector in the last listing.
 */
advertised: number, 
/**
 * Listings that worked since the console started.
 */
listings: number, 
/**
 * Nodes skipped because the console already follows [`MAX_DISCOVERED`] discovered nodes.
 *
 * [`MAX_DISCOVERED`]: crate::nodes::discovery::MAX_DISCOVERED
 */
skipped: number, 
/**
 * Why the last listing failed.
 */
last_error: string | null, };

/**
 * Body of `POST /api/nodes`: attach one more node.
 */
export type AttachRequest = { 
/**
 * `ws://HOST:PORT/?token=...`, as the node printed it.
 */
url: string, };

/**
 * What one node did with a push sent to several.
 */
export type NodePushResult = { node: string, 
/**
 * Connections on that node that received it (`null` when it failed there).
 */
delivered: number | null, error: string | null, };

/**
 * Open a test connection.
 */
export type TryOpen = { role: string, 
/**
 * Handshake parameters sent in the upgrade's query (for example `name`).
 */
params: { [key in string]: string }, 
/**
 * The application's `ws://` endpoint. Empty: the embedded server. Attached nodes need it,
 * since the console does not know where their applications listen.
 */
url: string, };

/**
 * A push a test connection received: an event, or a publication on a subscribed topic.
 */
export type TryPush = { 
/**
 * Counts every push the connection received, kept or dropped.
 */
seq: number, 
/**
 * Milliseconds since the Unix epoch.
 */
at_ms: number, 
/**
 * `event` or `topic`.
 */
kind: string, name: string, payload: unknown, };

/**
 * One test connection and what it received.
 */
export type TrySession = { id: string, role: string, url: string, 
/**
 * Recorded as `console` (the embedded server, which trusts the console's key), or as an
 * ordinary client (another process's server).
 */
console_origin: boolean, 
/**
 * `connecting`, `connected`, `reconnecting` or `closed: <why>`.
 */
state: string, subscriptions: Array<string>, 
/**
 * The newest pushes, oldest first (at most the buffer's size).
 */
pushes: Array<TryPush>, 
/**
 * Pushes that fell out of the buffer.
 */
dropped: number, };

/**
 * Every open test connection.
 */
export type TryList = { sessions: Array<TrySession>, 
/**
 * How many may be open at once.
 */
limit: number, };

/**
 * A request sent on a test connection.
 */
export type TryRequest = { name: string, payload: unknown, };

/**
 * The server's answer to a request: its reply, or its error.
 */
export type TryAnswer = { ok: boolean, reply: unknown, 
/**
 * The error's code and message when `ok` is false.
 */
error: string | null, took_ms: number, };

/**
 * Subscribe to, or unsubscribe from, a topic.
 */
export type TryTopic = { topic: string, };
