-- Redress PostgreSQL schema, version 18. Append-only, like 0001.

-- As SQLite's version 18: the indexes by investigator and by category hold only the complaints
-- that name one (a new complaint names neither, and no list asks for the empty value through
-- them); the list statements say `<> ''` so that the planner uses them.
DROP INDEX complaints_investigator;
CREATE INDEX complaints_investigator ON complaints (investigator, received_at, id) WHERE investigator <> '';
DROP INDEX complaints_category;
CREATE INDEX complaints_category ON complaints (category, received_at, id) WHERE category <> '';
