-- Redress SQLite schema, version 8: the follow-up with the complainant after closure.
-- Append-only, like 0001; the build compiles this file into the binary.

-- The instant the follow-up falls due (the start of its local day in the policy's zone), while
-- the complaint is closed with a follow-up date not yet recorded; NULL otherwise. The queue's
-- "follow-up due" filter reads it through the partial index below.
ALTER TABLE complaints ADD COLUMN follow_up_at INTEGER;
CREATE INDEX complaints_follow_up ON complaints (follow_up_at) WHERE follow_up_at IS NOT NULL;
