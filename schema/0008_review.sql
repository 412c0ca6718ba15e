-- 0008 (review, issue 15; numbered 0009 if the methodology's 0008 lands first): the
-- central office reviews an assessor's work before it counts, and tells the assessor
-- what to fix through a signed return file (docs/review.md). The tables exist in every
-- database; the central ones stay empty on a workstation and the workstation ones on a
-- central database. Every row of the central tables follows from the rows of
-- `central_log` (its own hash chain): `patuh check` replays the log and compares.

-- Where each node stands, per cycle: `level` 1 agency, 2 unit, 3 product and
-- `node_id` its row id (docs/data-model.md). A node without a row is unreviewed.
CREATE TABLE review (
    cycle_id   INTEGER NOT NULL REFERENCES cycle (id),
    level      INTEGER NOT NULL CHECK (level IN (1, 2, 3)),
    node_id    INTEGER NOT NULL,
    state      TEXT NOT NULL CHECK (state IN ('unreviewed', 'approved', 'returned', 'resubmitted')),
    decided_at TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    PRIMARY KEY (cycle_id, level, node_id)
) STRICT, WITHOUT ROWID;

-- The comments of a node's last return, one per indicator ('' for the node as a whole).
CREATE TABLE review_comment (
    cycle_id  INTEGER NOT NULL,
    level     INTEGER NOT NULL,
    node_id   INTEGER NOT NULL,
    indicator TEXT NOT NULL,
    comment   TEXT NOT NULL,
    at        TEXT NOT NULL,
    by        TEXT NOT NULL,
    PRIMARY KEY (cycle_id, level, node_id, indicator),
    FOREIGN KEY (cycle_id, level, node_id) REFERENCES review (cycle_id, level, node_id)
) STRICT, WITHOUT ROWID;

-- A conflict resolved: two assessors' values for one cell, and the one that counts
-- (an assessor's, `take`, or a value the reviewer entered, `value`), with the reason.
-- The consolidated `observation` holds it, also after later merges.
CREATE TABLE review_resolution (
    cycle_id  INTEGER NOT NULL REFERENCES cycle (id),
    level     INTEGER NOT NULL CHECK (level IN (1, 2, 3)),
    node_id   INTEGER NOT NULL,
    indicator TEXT NOT NULL,
    take      TEXT,
    value     INTEGER CHECK (value IS NULL OR value >= 0),
    reason    TEXT NOT NULL,
    at        TEXT NOT NULL,
    by        TEXT NOT NULL,
    PRIMARY KEY (cycle_id, level, node_id, indicator),
    CHECK ((take IS NULL) <> (value IS NULL))
) STRICT, WITHOUT ROWID;

-- Keys the central office revoked (`patuh central revoke`): files signed by them are
-- refused from then on, and the reports mark what was merged from them before.
CREATE TABLE revoked_key (
    public_key  TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    reason      TEXT NOT NULL,
    revoked_at  TEXT NOT NULL,
    revoked_by  TEXT NOT NULL
) STRICT;

-- Return files written (`patuh review send`), numbered per assessor: a workstation
-- refuses one older than the last it applied.
CREATE TABLE review_sent (
    assessor_id    TEXT NOT NULL,
    seq            INTEGER NOT NULL,
    sent_at        TEXT NOT NULL,
    payload_sha256 TEXT NOT NULL,
    file_name      TEXT NOT NULL,
    PRIMARY KEY (assessor_id, seq)
) STRICT, WITHOUT ROWID;

-- On a workstation: every return file applied (`patuh inbox FILE`), and `audit_seq`,
-- how long its audit log was then (a change after it answers a returned item).
CREATE TABLE inbox_file (
    id             INTEGER PRIMARY KEY,
    payload_sha256 TEXT NOT NULL UNIQUE,
    central_key    TEXT NOT NULL,
    central_id     TEXT NOT NULL,
    central_name   TEXT NOT NULL,
    seq            INTEGER NOT NULL,
    sent_at        TEXT NOT NULL,
    file_name      TEXT NOT NULL,
    applied_at     TEXT NOT NULL,
    audit_seq      INTEGER NOT NULL
) STRICT;

-- The nodes a return file speaks of, with their state at the central office, and the
-- comments on them (`indicator` '' for the node as a whole); an item stays flagged in
-- the workstation until the assessor changes the indicator or confirms it as it is.
CREATE TABLE inbox_node (
    inbox_id   INTEGER NOT NULL REFERENCES inbox_file (id),
    cycle      TEXT NOT NULL,
    path       TEXT NOT NULL,
    state      TEXT NOT NULL,
    decided_at TEXT NOT NULL,
    PRIMARY KEY (inbox_id, path)
) STRICT, WITHOUT ROWID;

CREATE TABLE returned_item (
    inbox_id     INTEGER NOT NULL,
    path         TEXT NOT NULL,
    indicator    TEXT NOT NULL,
    comment      TEXT NOT NULL,
    confirmed_at TEXT,
    confirmed_by TEXT,
    PRIMARY KEY (inbox_id, path, indicator),
    FOREIGN KEY (inbox_id, path) REFERENCES inbox_node (inbox_id, path)
) STRICT, WITHOUT ROWID;
