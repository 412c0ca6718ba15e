-- 0002: what a central database needs to consolidate the signed export files of many
-- workstations (`patuh central merge`). The tables exist in every database and stay
-- empty on a workstation. The consolidated results live in the tables of 0001
-- (agency, unit, product, observation, evidence), so that `patuh score`, `show` and
-- `report` read a central database like any other. See docs/export-format.md.

-- Every merged export, by the SHA-256 of its signed payload: the same payload merged
-- again changes nothing. The payload and its signature are kept, so every result can
-- be traced to, and re-verified from, the file it came from.
CREATE TABLE import_file (
    id             INTEGER PRIMARY KEY,
    payload_sha256 TEXT NOT NULL UNIQUE,
    assessor_id    TEXT NOT NULL,
    public_key     TEXT NOT NULL,
    exported_at    TEXT NOT NULL,   -- normalised UTC with 9 decimals: text order is time order
    file_name      TEXT NOT NULL,   -- as given to the first merge of this payload
    merged_at      TEXT NOT NULL,
    products       INTEGER NOT NULL,
    payload        BLOB NOT NULL,
    signature      TEXT NOT NULL
) STRICT;

-- The assessor keys seen. An assessor id keeps the key it first came with unless the
-- trusted keys file given to the merge registers another key for it.
CREATE TABLE assessor_key (
    public_key      TEXT PRIMARY KEY,
    fingerprint     TEXT NOT NULL,
    assessor_id     TEXT NOT NULL,
    name            TEXT NOT NULL,
    first_merged_at TEXT NOT NULL
) STRICT;
CREATE INDEX assessor_key_by_id ON assessor_key (assessor_id);

-- Each assessor's newest result for each product they worked on: the product as the
-- newest merged export of that assessor holds it (newest by exported_at, then by
-- payload hash). Results of different assessors for one product are all kept.
CREATE TABLE assessor_result (
    product_id     INTEGER NOT NULL REFERENCES product (id),
    assessor_id    TEXT NOT NULL,
    assessor_name  TEXT NOT NULL,
    import_id      INTEGER NOT NULL REFERENCES import_file (id),
    exported_at    TEXT NOT NULL,
    payload_sha256 TEXT NOT NULL,
    finalized_at   TEXT,
    finalized_by   TEXT,
    score          TEXT,            -- as exported: 2 decimals, NULL without a score
    zone           TEXT,
    PRIMARY KEY (product_id, assessor_id)
) STRICT;

CREATE TABLE assessor_observation (
    product_id  INTEGER NOT NULL,
    assessor_id TEXT NOT NULL,
    indicator   TEXT NOT NULL,
    value       INTEGER CHECK (value IS NULL OR value >= 0),
    na          INTEGER NOT NULL CHECK (na IN (0, 1)),
    note        TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    updated_by  TEXT NOT NULL,
    PRIMARY KEY (product_id, assessor_id, indicator),
    FOREIGN KEY (product_id, assessor_id)
        REFERENCES assessor_result (product_id, assessor_id) ON DELETE CASCADE,
    CHECK (NOT (na = 1 AND value IS NOT NULL))
) STRICT, WITHOUT ROWID;

CREATE TABLE assessor_evidence (
    product_id  INTEGER NOT NULL,
    assessor_id TEXT NOT NULL,
    position    INTEGER NOT NULL,  -- order within the export
    indicator   TEXT NOT NULL,
    reference   TEXT NOT NULL,
    size        INTEGER,
    sha256      TEXT,
    added_at    TEXT NOT NULL,
    added_by    TEXT NOT NULL,
    PRIMARY KEY (product_id, assessor_id, position),
    FOREIGN KEY (product_id, assessor_id)
        REFERENCES assessor_result (product_id, assessor_id) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;

-- Where each agency, unit and product name (and agency kind) came from: the newest
-- export naming it wins, whatever the merge order. `path` is CODE, CODE/CODE or
-- CODE/CODE/CODE; `stamp` is exported_at and payload hash.
CREATE TABLE name_source (
    path  TEXT PRIMARY KEY,
    stamp TEXT NOT NULL
) STRICT, WITHOUT ROWID;

-- Products with results of two or more assessors. Both results are kept in
-- assessor_result; `observation` holds the chosen one (see docs/export-format.md).
CREATE VIEW conflict AS
SELECT product_id,
       count(*)                                   AS assessors,
       count(DISTINCT coalesce(score, '-'))       AS distinct_scores
FROM assessor_result
GROUP BY product_id
HAVING count(*) > 1;
