-- Redress SQLite schema, version 11: the twin of PostgreSQL's 0011 (work shared by several
-- nodes: job claims with leases, periodic jobs, rate limits in the database). One process owns
-- a SQLite store, so it keeps its claims and rate limits in memory (core::Store's defaults)
-- and this version changes nothing here; it keeps both stores at one schema version.
SELECT 1;
