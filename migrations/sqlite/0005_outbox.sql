-- Redress SQLite schema, version 5: the notification outbox.
-- Append-only, like 0001; the build compiles this file into the binary.

-- Messages to complainants, written in the transaction of the event that causes them and
-- delivered by the sender job; rows stay (state sent or failed) as the record of what was sent.
CREATE TABLE notifications (
  id              INTEGER PRIMARY KEY,
  complaint_id    INTEGER NOT NULL REFERENCES complaints (id),
  reference       TEXT    NOT NULL,
  kind            TEXT    NOT NULL,
  language        TEXT    NOT NULL,
  recipient       TEXT    NOT NULL,
  vars            TEXT    NOT NULL,
  in_reply_to     TEXT    NOT NULL DEFAULT '',
  state           TEXT    NOT NULL CHECK (state IN ('pending', 'sent', 'failed')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  created_at      INTEGER NOT NULL,
  next_attempt_at INTEGER NOT NULL,
  sent_at         INTEGER,
  last_error      TEXT    NOT NULL DEFAULT ''
) STRICT;

CREATE INDEX notifications_of_complaint ON notifications (complaint_id, id);
-- The sender's queue: only pending rows are indexed.
CREATE INDEX notifications_due ON notifications (next_attempt_at, id) WHERE state = 'pending';
