-- Redress SQLite schema, version 20. Append-only, like 0001.

-- A complaint's record may be kept packed (src/store/sqlite/record_pack.hpp): LZ4-compressed
-- against a dictionary made of the store's first records, in `packed`, with `doc` left ''.
-- Records written before stay plain JSON in `doc` and are read as they are.
ALTER TABLE complaint_docs ADD COLUMN packed BLOB;

-- The dictionaries, never changed or removed once written: a packed record names its own.
-- A store has one, or one for each process that found none when it started writing (an
-- import beside the service).
CREATE TABLE record_dicts (
  id      INTEGER PRIMARY KEY,
  dict    BLOB    NOT NULL,
  made_at INTEGER NOT NULL  -- Unix milliseconds
) STRICT;
