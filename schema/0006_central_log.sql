-- 0006: a central database audits its own changes, orders each assessor's exports by
-- their audit chains rather than by the workstations' clocks, and knows who assesses
-- what (docs/export-format.md). The tables exist in every database and stay empty on
-- a workstation.

-- The central database's own hash chain: every change it makes, in order. Each row
-- carries the hash of the previous one and of its own content (as the workstation's
-- `audit`), so that a merge, an import or an assignment edited, deleted or reordered
-- afterwards is found by `patuh check`.
CREATE TABLE central_log (
    seq       INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    action    TEXT NOT NULL,   -- central | merge | instrument | assignment | assign
    subject   TEXT NOT NULL,   -- the file as given, or the instrument's id and version
    sha256    TEXT NOT NULL,   -- of the merged payload, the instrument, the file read
    detail    TEXT NOT NULL,   -- the assessor of a merge, the version of an assignment
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
) STRICT;

-- How far each merged export's audit chain goes (its last seq). An assessor's export
-- whose chain is longer is newer, whatever the workstation's clock said.
ALTER TABLE import_file ADD COLUMN chain INTEGER NOT NULL DEFAULT 0;
UPDATE import_file
SET chain = coalesce(json_array_length(CAST(payload AS TEXT), '$.audit'), 0);
ALTER TABLE assessor_result ADD COLUMN chain INTEGER NOT NULL DEFAULT 0;
UPDATE assessor_result
SET chain = coalesce((SELECT f.chain FROM import_file f WHERE f.id = import_id), 0);

-- Who assesses which agencies (`patuh central assign FILE`): once set, a merge refuses
-- results for other agencies and any change of the catalog. Replaced whole by each
-- `central assign`.
CREATE TABLE central_assignment (
    assessor_id TEXT NOT NULL,
    agency_code TEXT NOT NULL,
    PRIMARY KEY (assessor_id, agency_code)
) STRICT, WITHOUT ROWID;
