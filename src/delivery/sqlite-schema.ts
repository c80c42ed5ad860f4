import type Database from 'better-sqlite3';

/**
 * The layout of the queue file, in `PRAGMA user_version`:
 * - 0: the first layout (issue 19, before point 3): one `items` row per queued copy, each with
 *   its whole encoded outbound.
 * - 2: one `events` row per event holding its message, shared by the `items` rows of its copies
 *   (one per channel or sink), which keep only their own part and point at it (`event_id`).
 *   Rows written by layout 0 stay readable: their `event_id` is NULL and `outbound` is whole.
 *   Posted dedup keys go to `posted_batches`, one row per confirmation of a channel (a digest
 *   confirms thousands of events at once: one row, not one B-tree upsert each); layout 0's
 *   `posted` rows are still read until they leave the dedup window.
 * - 3: the copies of an event that differ only in their channel (a fan-out to chat channels)
 *   are one `fanouts` row listing them (`copies`: `[item id, channel, ms after enqueued_at]`),
 *   not one `items` row each; confirming some of them writes one `acks` row with their ids
 *   (a digest confirms a thousand copies in one row instead of deleting a thousand rows). A
 *   fanout row goes with its last copy, an acks row once every fanout it names is gone. Rows of
 *   layouts 0 and 2 stay readable as they are.
 */
export const queueFileVersion = 3;

const tables = `
CREATE TABLE IF NOT EXISTS events (
  id INTEGER PRIMARY KEY,
  message TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS items (
  id INTEGER PRIMARY KEY,
  destination TEXT NOT NULL,
  channel TEXT NOT NULL,
  kind TEXT NOT NULL,
  lane TEXT NOT NULL,
  enqueued_at INTEGER NOT NULL,
  idempotency_key TEXT NOT NULL,
  outbound TEXT NOT NULL,
  event_id INTEGER
);
CREATE TABLE IF NOT EXISTS posted (
  destination TEXT NOT NULL,
  channel TEXT NOT NULL,
  dedup_key TEXT NOT NULL,
  sources TEXT NOT NULL,
  posted_at INTEGER NOT NULL,
  PRIMARY KEY (destination, channel, dedup_key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS posted_by_time ON posted (posted_at);
CREATE TABLE IF NOT EXISTS posted_batches (
  id INTEGER PRIMARY KEY,
  destination TEXT NOT NULL,
  channel TEXT NOT NULL,
  posted_at INTEGER NOT NULL,
  keys TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS posted_batches_by_time ON posted_batches (posted_at);
CREATE TABLE IF NOT EXISTS fanouts (
  id INTEGER PRIMARY KEY,
  event_id INTEGER NOT NULL,
  destination TEXT NOT NULL,
  kind TEXT NOT NULL,
  lane TEXT NOT NULL,
  enqueued_at INTEGER NOT NULL,
  outbound TEXT NOT NULL,
  copies TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS acks (
  id INTEGER PRIMARY KEY,
  items TEXT NOT NULL
);
`;

/**
 * Brings the file to {@link queueFileVersion}: creates a new one, or migrates a file of layout 0
 * or 2 in place (added columns and tables, in one transaction; its rows stay as they are). A file of a
 * newer layout, written by a later Switchboard, is refused with SQLITE_FORMAT so that the caller
 * quarantines it (with the versions in the message) instead of misreading it.
 */
export function prepareQueueFile(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > queueFileVersion) {
    const err = new Error(
      `the file has queue layout ${version}, written by a newer Switchboard; this one reads layouts 0 to ${queueFileVersion}`,
    );
    throw Object.assign(err, { code: 'SQLITE_FORMAT' });
  }
  if (version === queueFileVersion) return;
  db.transaction(() => {
    const columns = db.prepare("SELECT name FROM pragma_table_info('items')").all() as { name: string }[];
    if (columns.length > 0 && !columns.some((c) => c.name === 'event_id'))
      db.exec('ALTER TABLE items ADD COLUMN event_id INTEGER');
    db.exec(tables);
    db.pragma(`user_version = ${queueFileVersion}`);
  })();
}
