-- 0001_init: the first capture schema.
--
-- One row per logical message or membership change (a broadcast is one row with its recipient
-- count, never one row per delivery). Secondary indexes are kept to what the console filters
-- on; partial indexes skip the rows where the column is NULL so inserts stay cheap.

-- A capture session: one recorder run, or one imported source.
CREATE TABLE sessions (
    id             INTEGER PRIMARY KEY,
    started_us     INTEGER NOT NULL,            -- microseconds since the Unix epoch
    node_id        TEXT    NOT NULL,
    tool_version   TEXT    NOT NULL,
    contract       TEXT,                        -- the contract as loaded, JSON
    imported_from  TEXT,                        -- NULL for a live recording, else the source file
    source_session INTEGER,                     -- the session id inside that source file
    ended_us       INTEGER,                     -- set when the recorder stops cleanly
    rows_written   INTEGER NOT NULL DEFAULT 0,
    dropped        INTEGER NOT NULL DEFAULT 0,  -- rows the server could not queue (queue full)
    write_errors   INTEGER NOT NULL DEFAULT 0,  -- failed batch commits
    rows_lost      INTEGER NOT NULL DEFAULT 0   -- rows in those failed batches
);

CREATE TABLE events (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,  -- monotonic, never reused
    at_us        INTEGER NOT NULL,
    node_id      TEXT    NOT NULL,
    session_id   INTEGER NOT NULL,
    kind         TEXT    NOT NULL,                   -- TapKind::as_str
    name         TEXT,
    conn         TEXT,
    role         TEXT,
    user         TEXT,
    rooms        TEXT,                               -- JSON array of room names, NULL when none
    topic        TEXT,
    payload      TEXT,                               -- JSON exactly as it went on the wire
    payload_text TEXT,                               -- raw text that is not JSON (bad frames)
    size         INTEGER NOT NULL,                   -- bytes of the frame
    recipients   INTEGER,
    origin       TEXT    NOT NULL,                   -- client | server | manual | replay
    meta         TEXT                                -- JSON object: close codes, durations...
);

CREATE INDEX events_at    ON events(at_us);
CREATE INDEX events_kind  ON events(kind);
CREATE INDEX events_name  ON events(name)  WHERE name  IS NOT NULL;
CREATE INDEX events_conn  ON events(conn)  WHERE conn  IS NOT NULL;
CREATE INDEX events_topic ON events(topic) WHERE topic IS NOT NULL;

-- Room membership of a row, so "everything about room X" is an index range even for rows that
-- name several rooms.
CREATE TABLE event_rooms (
    room TEXT    NOT NULL,
    seq  INTEGER NOT NULL,
    PRIMARY KEY (room, seq)
) WITHOUT ROWID;
CREATE INDEX event_rooms_seq ON event_rooms(seq);

CREATE TRIGGER events_prune_rooms AFTER DELETE ON events WHEN old.rooms IS NOT NULL
BEGIN
    DELETE FROM event_rooms WHERE seq = old.seq;
END;

-- Free-form facts about the file, e.g. the header of a snapshot export.
CREATE TABLE info (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
