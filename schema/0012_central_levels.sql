-- 0012: a central database holds what export format 2 carries (docs/export-format.md):
-- each assessor's result of every node at every level (agency, unit, product), with its
-- answers (observations, interview answers by respondent uid, data values with their
-- source), respondents, evidence, finalization and an agency's follow-up register, kept
-- apart by cycle code. The product results of 0002 move here (cycle of the database's
-- current one, level 3) and their tables become views of the current cycle's product
-- results, so that readers of before (the review, `sqlite3` users) keep working. The
-- tables exist in every database and stay empty on a workstation.

-- One assessor's newest result for one node in one cycle: the node as that assessor's
-- newest merged export of the cycle has it (newest: the longest audit chain, then
-- exported_at, then payload hash). Results of different assessors are all kept.
CREATE TABLE central_result (
    cycle          TEXT NOT NULL,      -- the cycle's code (`default` for format 1)
    level          INTEGER NOT NULL CHECK (level IN (1, 2, 3)),
    node_id        INTEGER NOT NULL,   -- agency, unit or product id
    assessor_id    TEXT NOT NULL,
    assessor_name  TEXT NOT NULL,
    import_id      INTEGER NOT NULL REFERENCES import_file (id),
    exported_at    TEXT NOT NULL,
    chain          INTEGER NOT NULL,
    payload_sha256 TEXT NOT NULL,
    finalized_at   TEXT,
    finalized_by   TEXT,
    score          TEXT,               -- as exported: 2 decimals, NULL without a score
    category       TEXT,
    zone           TEXT,
    closed_at      TEXT,               -- an agency's follow-up register, closed
    closed_by      TEXT,
    PRIMARY KEY (cycle, level, node_id, assessor_id),
    CHECK ((finalized_at IS NULL) = (finalized_by IS NULL)),
    CHECK ((closed_at IS NULL) = (closed_by IS NULL))
) STRICT, WITHOUT ROWID;

-- The answers of a result, as the workstation's `answer` holds them; `respondent` is the
-- respondent's uid, '' for an observation, a data value, N/A or the note of a whole
-- indicator.
CREATE TABLE central_answer (
    cycle       TEXT NOT NULL,
    level       INTEGER NOT NULL,
    node_id     INTEGER NOT NULL,
    assessor_id TEXT NOT NULL,
    indicator   TEXT NOT NULL,
    respondent  TEXT NOT NULL DEFAULT '',
    value       INTEGER CHECK (value IS NULL OR value >= 0),
    amount      TEXT,
    source      TEXT,
    na          INTEGER NOT NULL CHECK (na IN (0, 1)),
    carried     INTEGER NOT NULL DEFAULT 0 CHECK (carried IN (0, 1)),  -- 0011: to be re-checked
    note        TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    updated_by  TEXT NOT NULL,
    PRIMARY KEY (cycle, level, node_id, assessor_id, indicator, respondent),
    FOREIGN KEY (cycle, level, node_id, assessor_id)
        REFERENCES central_result (cycle, level, node_id, assessor_id) ON DELETE CASCADE,
    CHECK (NOT (na = 1 AND (value IS NOT NULL OR amount IS NOT NULL))),
    CHECK (value IS NULL OR amount IS NULL),
    CHECK ((amount IS NULL) = (source IS NULL)),
    CHECK (respondent = '' OR amount IS NULL)
) STRICT, WITHOUT ROWID;

-- The respondents of a result (positions or numbers, never names): the consolidated
-- node holds the union of every assessor's, by uid.
CREATE TABLE central_respondent (
    cycle          TEXT NOT NULL,
    level          INTEGER NOT NULL,
    node_id        INTEGER NOT NULL,
    assessor_id    TEXT NOT NULL,
    uid            TEXT NOT NULL CHECK (length(uid) = 32 AND uid NOT GLOB '*[^0-9a-f]*'),
    role           TEXT NOT NULL,
    number         INTEGER NOT NULL CHECK (number >= 1),
    label          TEXT NOT NULL,
    added_at       TEXT NOT NULL,
    added_by       TEXT NOT NULL,
    removed_at     TEXT,
    removed_by     TEXT,
    removed_reason TEXT,
    PRIMARY KEY (cycle, level, node_id, assessor_id, uid),
    FOREIGN KEY (cycle, level, node_id, assessor_id)
        REFERENCES central_result (cycle, level, node_id, assessor_id) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;

CREATE TABLE central_evidence (
    cycle       TEXT NOT NULL,
    level       INTEGER NOT NULL,
    node_id     INTEGER NOT NULL,
    assessor_id TEXT NOT NULL,
    position    INTEGER NOT NULL,   -- order within the export
    indicator   TEXT NOT NULL,
    reference   TEXT NOT NULL,
    size        INTEGER,
    sha256      TEXT,
    added_at    TEXT NOT NULL,
    added_by    TEXT NOT NULL,
    PRIMARY KEY (cycle, level, node_id, assessor_id, position),
    FOREIGN KEY (cycle, level, node_id, assessor_id)
        REFERENCES central_result (cycle, level, node_id, assessor_id) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;

-- An agency result's follow-up register items (its closing is on central_result).
CREATE TABLE central_followup (
    cycle       TEXT NOT NULL,
    level       INTEGER NOT NULL DEFAULT 1 CHECK (level = 1),
    node_id     INTEGER NOT NULL,
    assessor_id TEXT NOT NULL,
    position    INTEGER NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('lahp', 'lha', 'saran', 'rekomendasi')),
    ref         TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('open', 'completed', 'not-completed')),
    updated_at  TEXT NOT NULL,
    updated_by  TEXT NOT NULL,
    PRIMARY KEY (cycle, level, node_id, assessor_id, position),
    FOREIGN KEY (cycle, level, node_id, assessor_id)
        REFERENCES central_result (cycle, level, node_id, assessor_id) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;

-- Which format each merged file is (its stored payload: JSON in format 1, a zstd frame
-- of it in format 2).
ALTER TABLE import_file ADD COLUMN format_version INTEGER NOT NULL DEFAULT 1;

-- The product results of before, in the database's current cycle.
INSERT INTO central_result (cycle, level, node_id, assessor_id, assessor_name, import_id,
                            exported_at, chain, payload_sha256, finalized_at, finalized_by,
                            score, category, zone)
SELECT coalesce((SELECT value FROM meta WHERE key = 'cycle.current'), 'default'), 3,
       product_id, assessor_id, assessor_name, import_id, exported_at, chain, payload_sha256,
       finalized_at, finalized_by, score, zone, zone
FROM assessor_result;
INSERT INTO central_answer (cycle, level, node_id, assessor_id, indicator, respondent, value,
                            na, note, updated_at, updated_by)
SELECT coalesce((SELECT value FROM meta WHERE key = 'cycle.current'), 'default'), 3,
       product_id, assessor_id, indicator, '', value, na, note, updated_at, updated_by
FROM assessor_observation;
INSERT INTO central_evidence (cycle, level, node_id, assessor_id, position, indicator,
                              reference, size, sha256, added_at, added_by)
SELECT coalesce((SELECT value FROM meta WHERE key = 'cycle.current'), 'default'), 3,
       product_id, assessor_id, position, indicator, reference, size, sha256, added_at, added_by
FROM assessor_evidence;

DROP VIEW conflict;
DROP TABLE assessor_evidence;
DROP TABLE assessor_observation;
DROP TABLE assessor_result;

-- The current cycle's product results under their names of before (read only).
CREATE VIEW assessor_result AS
SELECT node_id AS product_id, assessor_id, assessor_name, import_id, exported_at,
       payload_sha256, finalized_at, finalized_by, score, zone, chain
FROM central_result
WHERE level = 3
  AND cycle = coalesce((SELECT value FROM meta WHERE key = 'cycle.current'), 'default');
CREATE VIEW assessor_observation AS
SELECT node_id AS product_id, assessor_id, indicator, value, na, note, updated_at, updated_by
FROM central_answer
WHERE level = 3 AND respondent = ''
  AND cycle = coalesce((SELECT value FROM meta WHERE key = 'cycle.current'), 'default');
CREATE VIEW assessor_evidence AS
SELECT node_id AS product_id, assessor_id, position, indicator, reference, size, sha256,
       added_at, added_by
FROM central_evidence
WHERE level = 3
  AND cycle = coalesce((SELECT value FROM meta WHERE key = 'cycle.current'), 'default');

-- Products with results of two or more assessors in the current cycle, as before.
CREATE VIEW conflict AS
SELECT product_id,
       count(*)                                   AS assessors,
       count(DISTINCT coalesce(score, '-'))       AS distinct_scores
FROM assessor_result
GROUP BY product_id
HAVING count(*) > 1;
