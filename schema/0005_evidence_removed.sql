-- 0005: evidence references an assessor removed (the workstation's undo of an added
-- reference, or its remove key). A removed reference is never deleted: its row moves
-- here, with when and by whom it was removed, and comes back from here when the
-- removal is undone (with its old id when that is still free). Every move has its
-- audit row (`evidence_removed`, `evidence_restored`), so the log still accounts for
-- every reference in `evidence`. Readers of `evidence` need no change: what is here
-- is not evidence of the assessment any more.
CREATE TABLE evidence_removed (
    id          INTEGER PRIMARY KEY,
    evidence_id INTEGER NOT NULL,   -- the id it had in `evidence`
    product_id  INTEGER NOT NULL REFERENCES product (id),
    indicator   TEXT NOT NULL,
    reference   TEXT NOT NULL,
    size        INTEGER,
    sha256      TEXT,
    added_at    TEXT NOT NULL,
    added_by    TEXT NOT NULL,
    removed_at  TEXT NOT NULL,
    removed_by  TEXT NOT NULL
) STRICT;
CREATE INDEX evidence_removed_by_product ON evidence_removed (product_id, indicator);
