-- 0007: rounds of one process (issue 14): the provincial office's compliance mentoring
-- (pendampingan kepatuhan) and the assessment (penilaian) that follows it, year after
-- year. Answers, respondents, notes, evidence, finalizations, reviews and audit rows
-- belong to one cycle each (docs/data-model.md); a database made before cycles holds
-- one round, the cycle `default` created here, which `meta('cycle.current')` names.
CREATE TABLE cycle (
    id         INTEGER PRIMARY KEY,
    code       TEXT NOT NULL UNIQUE,   -- e.g. 2026-pendampingan; letters, digits, - _ .
    kind       TEXT NOT NULL CHECK (kind IN ('mentoring', 'assessment')),
    year       INTEGER,
    follows    INTEGER REFERENCES cycle (id),
    started_at TEXT                     -- NULL for `default`: it began before cycles did
) STRICT;

INSERT INTO cycle (id, code, kind, year, follows, started_at)
VALUES (1, 'default', 'assessment', NULL, NULL, NULL);
INSERT OR IGNORE INTO meta (key, value) VALUES ('cycle.current', 'default');
