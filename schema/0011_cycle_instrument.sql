-- 0011: cycles at work (issue 14). The instrument may differ between cycles: the
-- mentoring of 2026 with the 2024 method, the assessment with the 2025 one. An agency's
-- instrument in a cycle is its row here when the cycle's assignment (format 2) or the
-- cycle's start named one, else `agency.instrument_id` (the instrument it was first
-- assigned with: every database made before this migration has no row here, and reads
-- as it did). The same agency, unit and product are the same rows in every cycle.
CREATE TABLE cycle_agency (
    cycle_id      INTEGER NOT NULL REFERENCES cycle (id),
    agency_id     INTEGER NOT NULL REFERENCES agency (id),
    instrument_id INTEGER NOT NULL REFERENCES instrument (id),
    PRIMARY KEY (cycle_id, agency_id)
) STRICT, WITHOUT ROWID;

-- A product's digest follows its instrument's order in its cycle: a change of the
-- instrument of an agency in a cycle leaves the digests of its products in that cycle
-- stale (patuh refuses the change once the agency holds answers there; this is a guard).
CREATE TRIGGER cycle_agency_digest_insert AFTER INSERT ON cycle_agency BEGIN
    UPDATE node_state SET digest = NULL
    WHERE cycle_id = NEW.cycle_id AND level = 3
      AND node_id IN (SELECT p.id FROM product p JOIN unit u ON u.id = p.unit_id
                      WHERE u.agency_id = NEW.agency_id);
END;
CREATE TRIGGER cycle_agency_digest_update AFTER UPDATE ON cycle_agency BEGIN
    UPDATE node_state SET digest = NULL
    WHERE level = 3
      AND ((cycle_id = NEW.cycle_id
            AND node_id IN (SELECT p.id FROM product p JOIN unit u ON u.id = p.unit_id
                            WHERE u.agency_id = NEW.agency_id))
        OR (cycle_id = OLD.cycle_id
            AND node_id IN (SELECT p.id FROM product p JOIN unit u ON u.id = p.unit_id
                            WHERE u.agency_id = OLD.agency_id)));
END;
CREATE TRIGGER cycle_agency_digest_delete AFTER DELETE ON cycle_agency BEGIN
    UPDATE node_state SET digest = NULL
    WHERE cycle_id = OLD.cycle_id AND level = 3
      AND node_id IN (SELECT p.id FROM product p JOIN unit u ON u.id = p.unit_id
                      WHERE u.agency_id = OLD.agency_id);
END;

-- An answer carried from the previous cycle (`answer.carried`, schema 0009) is held in
-- the product's digest apart from the answers that count (src/store/digest.rs), so
-- confirming it (which changes `carried` only) must leave the digest stale like a
-- change of its value: 0009's trigger, with `carried` among the columns it watches.
DROP TRIGGER answer_digest_update;
CREATE TRIGGER answer_digest_update
AFTER UPDATE OF cycle_id, level, node_id, indicator, respondent, value, na, carried ON answer
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
