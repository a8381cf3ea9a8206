-- Redress SQLite schema, version 21. Append-only, like 0001.

-- The `received` event's `after` is the whole record as it was received: a copy as large as
-- the record itself. It is kept packed like a record (migration 0020, record_pack.hpp), in
-- `after_packed`, with "after" left ''. The hash chain covers the payload's digest, taken of
-- the JSON before packing, so verification reads it unpacked. Events written before stay plain.
ALTER TABLE events ADD COLUMN after_packed BLOB;
