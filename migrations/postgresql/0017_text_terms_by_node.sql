-- Redress PostgreSQL schema, version 17. Append-only, like 0001.

-- complaint_text.terms was a generated column: search_terms(), a regular-expression split in
-- SQL, ran in the writer's backend for every complaint written and every note appended (a
-- sixth of that backend's time in an import, the largest statement of a create). The node now
-- computes the same terms (store::TsVectorText, from store::SearchTerms) and writes them: on
-- insert, the description's; on a note, the note's joined to those held (||). search_terms()
-- stays, for a description replaced in place (the node does not hold the notes) and for
-- backfills. The terms already stored are kept.
ALTER TABLE complaint_text ALTER COLUMN terms DROP EXPRESSION;
ALTER TABLE complaint_text ALTER COLUMN terms SET NOT NULL;
