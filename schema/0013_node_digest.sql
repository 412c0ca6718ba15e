-- 0013 (issue 16): each unit's and agency's answers in compact form, as 0003 did for
-- products, so that a nation's workstation opens by reading one short row per unit and
-- agency (5,900) instead of their 274,000 answer rows (docs/performance.md). The digest
-- of a unit or agency (`node_state.digest` at level 1 or 2, src/store/digest.rs) holds
-- its own values and every respondent's answers recorded at it; like a product's it is
-- derived data, exact or stale (NULL, or no row), never wrong: these triggers leave it
-- stale whenever such an answer is written, by patuh or anything else, and patuh
-- rewrites it from the answers in a later transaction.

-- The stale digests of every level, found without a scan (the index of 0009 covered
-- products only; a product's query `level = 3 AND digest IS NULL` uses this one).
DROP INDEX node_state_stale;
CREATE INDEX node_state_stale ON node_state (cycle_id, level, node_id) WHERE digest IS NULL;

-- Units and agencies had the empty digest of the column's default: stale until the
-- upgrade writes them (the last migration's hook, in the same transaction).
UPDATE node_state SET digest = NULL WHERE level IN (1, 2);

-- Any answer of a unit or agency (its own or a respondent's). Only a digest that is not
-- stale yet is written, so the second and later answers at one node write no page of
-- `node_state`; a node without a row gets one, stale.
CREATE TRIGGER answer_node_digest_insert AFTER INSERT ON answer
WHEN NEW.level IN (1, 2)
 AND (SELECT digest IS NULL FROM node_state
      WHERE cycle_id = NEW.cycle_id AND level = NEW.level AND node_id = NEW.node_id) IS NOT 1 BEGIN
    INSERT INTO node_state (cycle_id, level, node_id, digest)
    VALUES (NEW.cycle_id, NEW.level, NEW.node_id, NULL)
    ON CONFLICT (cycle_id, level, node_id) DO UPDATE SET digest = NULL;
END;
CREATE TRIGGER answer_node_digest_update
AFTER UPDATE OF cycle_id, level, node_id, indicator, respondent, value, na, carried ON answer
WHEN (NEW.level IN (1, 2)
      AND (SELECT digest IS NULL FROM node_state
           WHERE cycle_id = NEW.cycle_id AND level = NEW.level AND node_id = NEW.node_id) IS NOT 1)
  OR (OLD.level IN (1, 2)
      AND (OLD.cycle_id, OLD.level, OLD.node_id) <> (NEW.cycle_id, NEW.level, NEW.node_id)) BEGIN
    UPDATE node_state SET digest = NULL
    WHERE OLD.level IN (1, 2)
      AND cycle_id = OLD.cycle_id AND level = OLD.level AND node_id = OLD.node_id;
    INSERT INTO node_state (cycle_id, level, node_id, digest)
    SELECT NEW.cycle_id, NEW.level, NEW.node_id, NULL WHERE NEW.level IN (1, 2)
    ON CONFLICT (cycle_id, level, node_id) DO UPDATE SET digest = NULL;
END;
CREATE TRIGGER answer_node_digest_delete AFTER DELETE ON answer
WHEN OLD.level IN (1, 2)
 AND (SELECT digest IS NOT NULL FROM node_state
      WHERE cycle_id = OLD.cycle_id AND level = OLD.level AND node_id = OLD.node_id) BEGIN
    UPDATE node_state SET digest = NULL
    WHERE cycle_id = OLD.cycle_id AND level = OLD.level AND node_id = OLD.node_id;
END;

-- The digest names indicators by their place in the agency's instrument of the cycle:
-- a change of that instrument (refused by patuh once answered; these are guards), or a
-- unit moved to another agency, leaves the digests concerned stale.
CREATE TRIGGER agency_instrument_node_digest AFTER UPDATE OF instrument_id ON agency BEGIN
    UPDATE node_state SET digest = NULL
    WHERE (level = 1 AND node_id = NEW.id)
       OR (level = 2 AND node_id IN (SELECT id FROM unit WHERE agency_id = NEW.id));
END;
CREATE TRIGGER unit_agency_node_digest AFTER UPDATE OF agency_id ON unit BEGIN
    UPDATE node_state SET digest = NULL WHERE level = 2 AND node_id IN (OLD.id, NEW.id);
END;
CREATE TRIGGER cycle_agency_node_digest_insert AFTER INSERT ON cycle_agency BEGIN
    UPDATE node_state SET digest = NULL
    WHERE cycle_id = NEW.cycle_id
      AND ((level = 1 AND node_id = NEW.agency_id)
        OR (level = 2 AND node_id IN (SELECT id FROM unit WHERE agency_id = NEW.agency_id)));
END;
CREATE TRIGGER cycle_agency_node_digest_update AFTER UPDATE ON cycle_agency BEGIN
    UPDATE node_state SET digest = NULL
    WHERE (cycle_id = NEW.cycle_id
           AND ((level = 1 AND node_id = NEW.agency_id)
             OR (level = 2 AND node_id IN (SELECT id FROM unit WHERE agency_id = NEW.agency_id))))
       OR (cycle_id = OLD.cycle_id
           AND ((level = 1 AND node_id = OLD.agency_id)
             OR (level = 2 AND node_id IN (SELECT id FROM unit WHERE agency_id = OLD.agency_id))));
END;
CREATE TRIGGER cycle_agency_node_digest_delete AFTER DELETE ON cycle_agency BEGIN
    UPDATE node_state SET digest = NULL
    WHERE cycle_id = OLD.cycle_id
      AND ((level = 1 AND node_id = OLD.agency_id)
        OR (level = 2 AND node_id IN (SELECT id FROM unit WHERE agency_id = OLD.agency_id)));
END;
