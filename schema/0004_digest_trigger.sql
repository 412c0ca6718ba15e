-- 0004: a keystroke's commit does less (docs/performance.md).
-- The digest holds values only, so a change of a note or of the audit fields no longer
-- looks at the product, and a value change of a product that is stale already looks
-- once (the update of 0003 looked twice: for the old and the new product).
DROP TRIGGER observation_digest_update;
CREATE TRIGGER observation_digest_update AFTER UPDATE OF product_id, indicator, value, na ON observation
WHEN NEW.product_id <> OLD.product_id
  OR (SELECT digest IS NOT NULL FROM product WHERE id = NEW.product_id) BEGIN
    UPDATE product SET digest = NULL WHERE id IN (OLD.product_id, NEW.product_id);
END;
