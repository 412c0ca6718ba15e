-- 0010: published scores of past years (`patuh history import FILE.csv`, issue 14), for
-- each agency's trend in the reports. Keyed by the agency's code, which names the same
-- agency in every cycle; the import refuses a code the database does not hold.
-- A row replaced by a later import (`--replace`) is kept with `replaced_at` set: a
-- published score once imported is never lost.
CREATE TABLE history_score (
    id            INTEGER PRIMARY KEY,
    agency_code   TEXT NOT NULL,
    year          INTEGER NOT NULL CHECK (year BETWEEN 2013 AND 9999),
    score         INTEGER NOT NULL CHECK (score BETWEEN 0 AND 10000), -- hundredths: 7288 is 72.88
    category      TEXT NOT NULL,
    imported_at   TEXT NOT NULL,
    imported_by   TEXT NOT NULL,
    source        TEXT NOT NULL,   -- the file as given to the import
    source_sha256 TEXT NOT NULL,   -- of the file's bytes
    replaced_at   TEXT             -- NULL while it is the score of its agency and year
) STRICT;

-- One score in force per agency and year.
CREATE UNIQUE INDEX history_score_current ON history_score (agency_code, year)
    WHERE replaced_at IS NULL;
