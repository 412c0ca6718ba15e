-- 0009: one answer, one key (docs/data-model.md). The 2022-2025 methods answer at three
-- levels (agency, unit, product), by respondents, from other institutions' data; an
-- agency has a follow-up register; every answer, respondent, note, piece of evidence and
-- finalization belongs to a cycle (0007). A node is (level, node_id): level 1 = agency,
-- 2 = unit, 3 = product, node_id the row id in `agency`, `unit` or `product`.
-- Everything made before this migration is moved, not changed: into the cycle `default`,
-- at level 3, with respondent 0; the audit rows keep their hashes.

-- Every answer is a cell (cycle, node, indicator, respondent). `respondent` is
-- `respondent.id` for an interview answer, 0 for an observation, a data value, N/A for a
-- whole indicator and the note of an indicator. `value` is a level (observation or
-- interview); `amount` a data value as canonical decimal text (never a float) with its
-- `source`; `carried` (issue 14) marks an answer copied from the previous cycle, to be
-- re-checked. A row with value and amount NULL and na = 0 is unanswered (a note may still
-- be there).
CREATE TABLE answer (
    cycle_id   INTEGER NOT NULL REFERENCES cycle (id),
    level      INTEGER NOT NULL CHECK (level IN (1, 2, 3)),
    node_id    INTEGER NOT NULL,
    indicator  TEXT NOT NULL,
    respondent INTEGER NOT NULL DEFAULT 0 CHECK (respondent >= 0),
    value      INTEGER CHECK (value IS NULL OR value >= 0),
    amount     TEXT,
    source     TEXT,
    na         INTEGER NOT NULL DEFAULT 0 CHECK (na IN (0, 1)),
    carried    INTEGER NOT NULL DEFAULT 0 CHECK (carried IN (0, 1)),
    note       TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    PRIMARY KEY (cycle_id, level, node_id, indicator, respondent),
    CHECK (NOT (na = 1 AND (value IS NOT NULL OR amount IS NOT NULL))),
    CHECK (value IS NULL OR amount IS NULL),
    CHECK ((amount IS NULL) = (source IS NULL)),
    CHECK (respondent = 0 OR amount IS NULL)
) STRICT, WITHOUT ROWID;

INSERT INTO answer (cycle_id, level, node_id, indicator, respondent, value, na, note,
                    updated_at, updated_by)
SELECT (SELECT id FROM cycle WHERE code = 'default'), 3, product_id, indicator, 0, value, na,
       note, updated_at, updated_by
FROM observation;

-- The notes (about one answer in ten has one), read at load without the rest.
CREATE INDEX answer_notes ON answer (cycle_id, level, node_id, indicator, respondent, note)
WHERE note <> '';
-- The data values (a few per agency), read at load without the rest; an observation's
-- change writes no page of it.
CREATE INDEX answer_data ON answer (cycle_id, level, node_id, indicator)
WHERE amount IS NOT NULL;

-- Per cycle and node: a product's values in compact form (`digest`, schema 0003: derived
-- from its answers of respondent 0, src/store/digest.rs; NULL or no row = stale) and the
-- finalization of any node (a finalized node's own answers are read-only until reopened).
CREATE TABLE node_state (
    cycle_id     INTEGER NOT NULL REFERENCES cycle (id),
    level        INTEGER NOT NULL CHECK (level IN (1, 2, 3)),
    node_id      INTEGER NOT NULL,
    digest       BLOB DEFAULT X'',
    finalized_at TEXT,
    finalized_by TEXT,
    PRIMARY KEY (cycle_id, level, node_id)
) STRICT, WITHOUT ROWID;
-- The stale products, found without a scan.
CREATE INDEX node_state_stale ON node_state (cycle_id, node_id) WHERE level = 3 AND digest IS NULL;

INSERT INTO node_state (cycle_id, level, node_id, digest, finalized_at, finalized_by)
SELECT (SELECT id FROM cycle WHERE code = 'default'), 3, id, digest, finalized_at, finalized_by
FROM product;

-- `observation` goes, with its triggers and its index; `product` keeps its catalog only.
DROP TRIGGER agency_instrument_digest;
DROP TABLE observation;
DROP INDEX product_stale;
ALTER TABLE product DROP COLUMN digest;
ALTER TABLE product DROP COLUMN finalized_by;
ALTER TABLE product DROP COLUMN finalized_at;

-- Whatever writes a product's observation (patuh, a tool, a manual edit) leaves the
-- product's digest stale, never wrong; only a digest that is not stale yet is written, so
-- the second and later changes of one product write no page of `node_state` (a
-- keystroke's commit writes its answer and its audit row, nothing else). A product with
-- no row yet gets one, stale.
CREATE TRIGGER answer_digest_insert AFTER INSERT ON answer
WHEN NEW.level = 3 AND NEW.respondent = 0
 AND (SELECT digest IS NULL FROM node_state
      WHERE cycle_id = NEW.cycle_id AND level = 3 AND node_id = NEW.node_id) IS NOT 1 BEGIN
    INSERT INTO node_state (cycle_id, level, node_id, digest)
    VALUES (NEW.cycle_id, 3, NEW.node_id, NULL)
    ON CONFLICT (cycle_id, level, node_id) DO UPDATE SET digest = NULL;
END;
CREATE TRIGGER answer_digest_update
AFTER UPDATE OF cycle_id, level, node_id, indicator, respondent, value, na ON answer
WHEN (NEW.level = 3 AND NEW.respondent = 0
      AND (SELECT digest IS NULL FROM node_state
           WHERE cycle_id = NEW.cycle_id AND level = 3 AND node_id = NEW.node_id) IS NOT 1)
  OR (OLD.level = 3 AND OLD.respondent = 0
      AND (OLD.cycle_id, OLD.level, OLD.node_id, OLD.respondent)
          <> (NEW.cycle_id, NEW.level, NEW.node_id, NEW.respondent)) BEGIN
    UPDATE node_state SET digest = NULL
    WHERE level = 3 AND OLD.level = 3 AND OLD.respondent = 0
      AND cycle_id = OLD.cycle_id AND node_id = OLD.node_id;
    INSERT INTO node_state (cycle_id, level, node_id, digest)
    SELECT NEW.cycle_id, 3, NEW.node_id, NULL WHERE NEW.level = 3 AND NEW.respondent = 0
    ON CONFLICT (cycle_id, level, node_id) DO UPDATE SET digest = NULL;
END;
CREATE TRIGGER answer_digest_delete AFTER DELETE ON answer
WHEN OLD.level = 3 AND OLD.respondent = 0
 AND (SELECT digest IS NOT NULL FROM node_state
      WHERE cycle_id = OLD.cycle_id AND level = 3 AND node_id = OLD.node_id) BEGIN
    UPDATE node_state SET digest = NULL
    WHERE cycle_id = OLD.cycle_id AND level = 3 AND node_id = OLD.node_id;
END;
-- The digest follows the instrument's order: an agency that changed instrument would
-- make its products' digests meaningless (patuh refuses that change; this is a guard).
CREATE TRIGGER agency_instrument_digest AFTER UPDATE OF instrument_id ON agency BEGIN
    UPDATE node_state SET digest = NULL
    WHERE level = 3
      AND node_id IN (SELECT p.id FROM product p JOIN unit u ON u.id = p.unit_id
                      WHERE u.agency_id = NEW.id);
END;

-- The people interviewed at a node, as positions or numbers, never names (Law 27/2022 on
-- personal data protection): `number` is 1, 2, ... among the respondents of a role at a
-- node in a cycle, `label` a position at most. `uid` (128-bit random, hex) stays the same
-- through exports and merges, so that two assessors' respondents of one node merge as a
-- union. A removed respondent is kept (its answers no longer count), with who removed it,
-- when and why; its number is never given again.
CREATE TABLE respondent (
    id             INTEGER PRIMARY KEY,
    uid            TEXT NOT NULL UNIQUE
                   CHECK (length(uid) = 32 AND uid NOT GLOB '*[^0-9a-f]*'),
    cycle_id       INTEGER NOT NULL REFERENCES cycle (id),
    level          INTEGER NOT NULL CHECK (level IN (1, 2, 3)),
    node_id        INTEGER NOT NULL,
    role           TEXT NOT NULL,
    number         INTEGER NOT NULL CHECK (number >= 1),
    label          TEXT NOT NULL DEFAULT '',
    added_at       TEXT NOT NULL,
    added_by       TEXT NOT NULL,
    removed_at     TEXT,
    removed_by     TEXT,
    removed_reason TEXT,
    UNIQUE (cycle_id, level, node_id, role, number),
    CHECK ((removed_at IS NULL) = (removed_reason IS NULL))
) STRICT;

-- An agency's follow-up register (2025 opinion qualifier): what the Ombudsman issued to it
-- (corrective actions of LAHP, suggestions of LHA, improvement suggestions,
-- recommendations) and where each stands; the register is closed once complete.
CREATE TABLE followup (
    id         INTEGER PRIMARY KEY,
    cycle_id   INTEGER NOT NULL REFERENCES cycle (id),
    agency_id  INTEGER NOT NULL REFERENCES agency (id),
    kind       TEXT NOT NULL CHECK (kind IN ('lahp', 'lha', 'saran', 'rekomendasi')),
    ref        TEXT NOT NULL,
    status     TEXT NOT NULL DEFAULT 'open'
               CHECK (status IN ('open', 'completed', 'not-completed')),
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    UNIQUE (cycle_id, agency_id, ref)
) STRICT;
CREATE TABLE followup_register (
    cycle_id  INTEGER NOT NULL REFERENCES cycle (id),
    agency_id INTEGER NOT NULL REFERENCES agency (id),
    closed_at TEXT NOT NULL,
    closed_by TEXT NOT NULL,
    PRIMARY KEY (cycle_id, agency_id)
) STRICT, WITHOUT ROWID;

-- Evidence by node (and respondent 0: evidence belongs to an indicator at a node), rows
-- and ids kept.
CREATE TABLE evidence_by_node (
    id         INTEGER PRIMARY KEY,
    cycle_id   INTEGER NOT NULL REFERENCES cycle (id),
    level      INTEGER NOT NULL CHECK (level IN (1, 2, 3)),
    node_id    INTEGER NOT NULL,
    indicator  TEXT NOT NULL,
    respondent INTEGER NOT NULL DEFAULT 0 CHECK (respondent >= 0),
    reference  TEXT NOT NULL,
    size       INTEGER,
    sha256     TEXT,
    added_at   TEXT NOT NULL,
    added_by   TEXT NOT NULL
) STRICT;
INSERT INTO evidence_by_node (id, cycle_id, level, node_id, indicator, respondent, reference,
                              size, sha256, added_at, added_by)
SELECT id, (SELECT id FROM cycle WHERE code = 'default'), 3, product_id, indicator, 0,
       reference, size, sha256, added_at, added_by
FROM evidence;
DROP TABLE evidence;
ALTER TABLE evidence_by_node RENAME TO evidence;
CREATE INDEX evidence_by_node ON evidence (cycle_id, level, node_id, indicator);

-- Evidence references removed (0005), by node likewise.
CREATE TABLE evidence_removed_by_node (
    id          INTEGER PRIMARY KEY,
    evidence_id INTEGER NOT NULL,   -- the id it had in `evidence`
    cycle_id    INTEGER NOT NULL REFERENCES cycle (id),
    level       INTEGER NOT NULL CHECK (level IN (1, 2, 3)),
    node_id     INTEGER NOT NULL,
    indicator   TEXT NOT NULL,
    respondent  INTEGER NOT NULL DEFAULT 0 CHECK (respondent >= 0),
    reference   TEXT NOT NULL,
    size        INTEGER,
    sha256      TEXT,
    added_at    TEXT NOT NULL,
    added_by    TEXT NOT NULL,
    removed_at  TEXT NOT NULL,
    removed_by  TEXT NOT NULL
) STRICT;
INSERT INTO evidence_removed_by_node (id, evidence_id, cycle_id, level, node_id, indicator,
                                      respondent, reference, size, sha256, added_at, added_by,
                                      removed_at, removed_by)
SELECT id, evidence_id, (SELECT id FROM cycle WHERE code = 'default'), 3, product_id, indicator,
       0, reference, size, sha256, added_at, added_by, removed_at, removed_by
FROM evidence_removed;
DROP TABLE evidence_removed;
ALTER TABLE evidence_removed_by_node RENAME TO evidence_removed;
CREATE INDEX evidence_removed_by_node ON evidence_removed (cycle_id, level, node_id, indicator);

-- The audit log names any node by its path (AGENCY, AGENCY/UNIT, AGENCY/UNIT/PRODUCT),
-- and a row may carry the cycle's code (NULL for the cycle `default`) and a respondent's
-- uid. A row with both NULL is hashed as the nine fields it always was (so every row
-- written before keeps verifying); one with either as eleven (src/store/audit.rs). No row
-- is rewritten: renaming and adding columns is a change of the schema only.
ALTER TABLE audit RENAME COLUMN product TO path;
ALTER TABLE audit ADD COLUMN cycle TEXT;
ALTER TABLE audit ADD COLUMN respondent TEXT;
