-- 0003: what a workstation needs to open a nation's data at once (docs/performance.md).
-- Reading 1-2 million observation rows took most of the time to the first frame; now
-- each product carries its values in compact form and notes have an index of their own.

-- Each product's values, one byte per indicator of its instrument, in instrument order
-- (src/store/digest.rs). Derived from `observation`, rewritten in the transaction of
-- every change patuh makes; NULL when stale, and then `load` reads the observations.
-- A new product has no observation: the empty digest.
ALTER TABLE product ADD COLUMN digest BLOB DEFAULT X'';

-- Products observed before this migration: stale until patuh rewrites them (it does at
-- once, in the same transaction as this migration).
UPDATE product SET digest = NULL WHERE id IN (SELECT product_id FROM observation);

-- Anything that writes an observation without rewriting the digest (a tool, a manual
-- edit) leaves the product stale, never wrong. patuh's own writes rewrite it after.
CREATE TRIGGER observation_digest_insert AFTER INSERT ON observation BEGIN
    UPDATE product SET digest = NULL WHERE id = NEW.product_id;
END;
CREATE TRIGGER observation_digest_update AFTER UPDATE ON observation BEGIN
    UPDATE product SET digest = NULL WHERE id IN (OLD.product_id, NEW.product_id);
END;
CREATE TRIGGER observation_digest_delete AFTER DELETE ON observation BEGIN
    UPDATE product SET digest = NULL WHERE id = OLD.product_id;
END;
-- The digest follows the instrument's order: an agency that changed instrument would
-- make its products' digests meaningless (patuh refuses that change; this is a guard).
CREATE TRIGGER agency_instrument_digest AFTER UPDATE OF instrument_id ON agency BEGIN
    UPDATE product SET digest = NULL
    WHERE unit_id IN (SELECT id FROM unit WHERE agency_id = NEW.id);
END;

-- The notes (about one observation in ten has one), read at load without the rest.
CREATE INDEX observation_notes ON observation (product_id, indicator, note) WHERE note <> '';
