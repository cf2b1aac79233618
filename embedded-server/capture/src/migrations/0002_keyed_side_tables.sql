-- 0002_keyed_side_tables: connection lookups move to a keyed side table; event_rooms loses its
-- seq index.
--
-- What a recorded row costs is the B-tree inserts it makes (docs/benchmarks.md, "Recorder").
-- The partial index `events_conn` took its entries in arrival order, spread over every live
-- connection's part of the tree, so each batch touched and rewrote one page per connection; it
-- cost more than the table itself. `event_conns` holds the same (conn, seq) pairs as a
-- WITHOUT ROWID table, which the recorder fills once per batch in key order: consecutive inserts
-- land on the same pages. `event_rooms_seq` only served the prune trigger, which now deletes by
-- primary key with the names the deleted row still carries.

DROP TRIGGER IF EXISTS events_prune_rooms;
DROP INDEX IF EXISTS event_rooms_seq;

-- The first statement deletes by primary key. The second only runs for a row whose `rooms` is
-- not valid JSON (a damaged or hand-edited file): its constant condition is checked once before
-- the scan, so a valid row never pays for it, and such a row still leaves nothing dangling.
CREATE TRIGGER events_prune_rooms AFTER DELETE ON events WHEN old.rooms IS NOT NULL
BEGIN
    DELETE FROM event_rooms
    WHERE json_valid(old.rooms)
      AND room IN (SELECT value FROM json_each(old.rooms) WHERE type = 'text')
      AND seq = old.seq;
    DELETE FROM event_rooms WHERE NOT json_valid(old.rooms) AND seq = old.seq;
END;

-- The rows of a connection, so "everything about connection X" is an index range.
CREATE TABLE event_conns (
    conn TEXT    NOT NULL,
    seq  INTEGER NOT NULL,
    PRIMARY KEY (conn, seq)
) WITHOUT ROWID;

INSERT INTO event_conns (conn, seq)
SELECT conn, seq FROM events WHERE conn IS NOT NULL ORDER BY conn, seq;

DROP INDEX IF EXISTS events_conn;

CREATE TRIGGER events_prune_conns AFTER DELETE ON events WHEN old.conn IS NOT NULL
BEGIN
    DELETE FROM event_conns WHERE conn = old.conn AND seq = old.seq;
END;
