-- Redress PostgreSQL schema, version 8: the follow-up with the complainant after closure.
-- Append-only, like 0001.

-- The instant the follow-up falls due, while the complaint is closed with a follow-up date not
-- yet recorded; NULL otherwise. The queue's "follow-up due" filter reads it through the partial
-- index below.
ALTER TABLE complaints ADD COLUMN follow_up_at bigint;
CREATE INDEX complaints_follow_up ON complaints (follow_up_at) WHERE follow_up_at IS NOT NULL;
