-- Redress SQLite schema, version 19. Append-only, like 0001.

-- The full-text index kept every complaint's column sizes (the table complaint_text_docsize),
-- which only FTS5's bm25() ranking reads; a search lists its matches by complaint id, newest
-- first, and never by rank. Each new complaint wrote a row there, and each commit of new
-- complaints rewrote that table's last page. The index is made again without them
-- (columnsize = 0), from its own content: once, when a store first opens with this version
-- (docs/performance.md).
CREATE VIRTUAL TABLE complaint_text_sizeless USING fts5 (
  description,
  notes,
  tokenize = 'unicode61 remove_diacritics 2',
  columnsize = 0
);
INSERT INTO complaint_text_sizeless (rowid, description, notes)
  SELECT rowid, description, notes FROM complaint_text;
DROP TABLE complaint_text;
ALTER TABLE complaint_text_sizeless RENAME TO complaint_text;
