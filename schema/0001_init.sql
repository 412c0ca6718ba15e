-- 0001: the first schema of a patuh database (workstation or central).
-- Migrations are append-only: never edit a file once released; add 0002_... instead.

-- Settings of this database: the assessor's name, where the UI was left, ...
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- Instruments (rubrics), immutable once imported. `body` is the canonical JSON
-- (compact, keys sorted) and `sha256` its hash: id + version + hash identify one.
CREATE TABLE instrument (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL,
    version     TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    body        TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    UNIQUE (code, version)
) STRICT;

-- Government bodies, each assessed with one instrument.
CREATE TABLE agency (
    id            INTEGER PRIMARY KEY,
    code          TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    kind          TEXT NOT NULL
                  CHECK (kind IN ('kementerian', 'lembaga', 'pemprov', 'pemkot', 'pemkab')),
    instrument_id INTEGER NOT NULL REFERENCES instrument (id)
) STRICT;

CREATE TABLE unit (
    id        INTEGER PRIMARY KEY,
    agency_id INTEGER NOT NULL REFERENCES agency (id),
    code      TEXT NOT NULL,
    name      TEXT NOT NULL,
    UNIQUE (agency_id, code)
) STRICT;

-- A finalized product is read-only until reopened (with a reason, in the audit log).
CREATE TABLE product (
    id           INTEGER PRIMARY KEY,
    unit_id      INTEGER NOT NULL REFERENCES unit (id),
    code         TEXT NOT NULL,
    name         TEXT NOT NULL,
    finalized_at TEXT,
    finalized_by TEXT,
    UNIQUE (unit_id, code)
) STRICT;

-- One row per product and indicator that was touched. value NULL and na = 0 means
-- unanswered (a note may still be there).
CREATE TABLE observation (
    product_id INTEGER NOT NULL REFERENCES product (id),
    indicator  TEXT NOT NULL,
    value      INTEGER CHECK (value IS NULL OR value >= 0),
    na         INTEGER NOT NULL DEFAULT 0 CHECK (na IN (0, 1)),
    note       TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    PRIMARY KEY (product_id, indicator),
    CHECK (NOT (na = 1 AND value IS NOT NULL))
) STRICT, WITHOUT ROWID;

-- Evidence references (a file path or a document number); for a file that existed
-- when attached, its size and SHA-256.
CREATE TABLE evidence (
    id         INTEGER PRIMARY KEY,
    product_id INTEGER NOT NULL REFERENCES product (id),
    indicator  TEXT NOT NULL,
    reference  TEXT NOT NULL,
    size       INTEGER,
    sha256     TEXT,
    added_at   TEXT NOT NULL,
    added_by   TEXT NOT NULL
) STRICT;
CREATE INDEX evidence_by_product ON evidence (product_id, indicator);

-- Every change a user makes, in order. Each row carries the SHA-256 of the previous
-- row (prev_hash) and of its own content including prev_hash (hash): a hash chain,
-- so that an edited, deleted or reordered row is detected.
CREATE TABLE audit (
    seq       INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    who       TEXT NOT NULL,
    product   TEXT NOT NULL,   -- AGENCY/UNIT/PRODUCT
    indicator TEXT,            -- NULL for product-level events (finalize, reopen)
    action    TEXT NOT NULL,   -- value | note | evidence | finalize | reopen
    old       TEXT,
    new       TEXT,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
) STRICT;
CREATE INDEX audit_by_product ON audit (product);
