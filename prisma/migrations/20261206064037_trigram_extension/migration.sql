-- Trigram indexes (pg_trgm, a trusted extension: the database's owner may create it) serve substring searches.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
