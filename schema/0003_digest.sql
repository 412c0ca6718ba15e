-- 0003: what a workstation needs to open a nation's data at once (docs/performance.md).
-- Reading 1-2 million observation rows took most of the time to the first frame; now
-- each product carries its values in compact form and notes have an index of their own.

-- Each product's values, one byte per indicator of its instrument, in instrument order
-- (src/store/digest.rs). Derived from `observation`: NULL (stale) from the first change
-- of a product's observations until patuh rewrites it, in a later transaction that
-- reads the observations; `load` reads the observations of stale products. A new
-- product has no observation: the empty digest.
ALTER TABLE product ADD COLUMN digest BLOB DEFAULT X'';
-- The stale products, found without a scan.
CREATE INDEX product_stale ON product (id) WHERE digest IS NULL;

-- Products observed before this migration: stale until patuh rewrites them (it does at
-- once, in the same transaction as this migration).
UPDATE product SET digest = NULL WHERE id IN (SELECT product_id FROM observation);

-- Whatever writes an observation (patuh, a tool, a manual edit) leaves the product
-- stale, never wrong. Only a product that is not stale yet is updated, so the second
-- and later changes of one product write no page of `product` (a keystroke's commit
-- writes its observation and its audit row, nothing else).
CREATE TRIGGER observation_digest_insert AFTER INSERT ON observation
WHEN (SELECT digest IS NOT NULL FROM product WHERE id = NEW.product_id) BEGIN
    UPDATE product SET digest = NULL WHERE id = NEW.product_id;
END;
CREATE TRIGGER observation_digest_update AFTER UPDATE ON observation
WHEN (SELECT digest IS NOT NULL FROM product WHERE id = NEW.product_id)
  OR (SELECT digest IS NOT NULL FROM product WHERE id = OLD.product_id) BEGIN
    UPDATE product SET digest = NULL WHERE id IN (OLD.product_id, NEW.product_id);
END;
CREATE TRIGGER observation_digest_delete AFTER DELETE ON observation
WHEN (SELECT digest IS NOT NULL FROM product WHERE id = OLD.product_id) BEGIN
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

-- The index of audit rows by product served no query (the log is read in order, whole)
-- but cost every change a page written and fsynced: a keystroke's commit now writes
-- the observation, the audit row and the product's digest, and nothing else.
DROP INDEX IF EXISTS audit_by_product;
