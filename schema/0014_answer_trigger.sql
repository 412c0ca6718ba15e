-- 0014 (issue 16): one trigger per kind of write on `answer` instead of two. 0009 (a
-- product's digest) and 0013 (a unit's and an agency's) each had their own, so that a
-- keystroke's UPDATE ran two trigger programs, each setting up its frame before its
-- WHEN could say no: a sixth of a commit's own work (docs/performance.md). These do what
-- the two did together: an answer counts for its node's digest when it is a unit's or
-- an agency's (theirs hold their respondents' answers too) or a product's own (a
-- respondent's answer at a product is not in the product's digest); only a digest not
-- stale yet is written, and a node without a `node_state` row gets one, stale.

DROP TRIGGER answer_digest_insert;
DROP TRIGGER answer_digest_update;
DROP TRIGGER answer_digest_delete;
DROP TRIGGER answer_node_digest_insert;
DROP TRIGGER answer_node_digest_update;
DROP TRIGGER answer_node_digest_delete;

CREATE TRIGGER answer_state_insert AFTER INSERT ON answer
WHEN (NEW.level <> 3 OR NEW.respondent = 0)
 AND (SELECT digest IS NULL FROM node_state
      WHERE cycle_id = NEW.cycle_id AND level = NEW.level AND node_id = NEW.node_id) IS NOT 1 BEGIN
    INSERT INTO node_state (cycle_id, level, node_id, digest)
    VALUES (NEW.cycle_id, NEW.level, NEW.node_id, NULL)
    ON CONFLICT (cycle_id, level, node_id) DO UPDATE SET digest = NULL;
END;

-- The old node's digest too when an answer moves (to another node, cycle or
-- respondent): only another program than patuh does that.
CREATE TRIGGER answer_state_update
AFTER UPDATE OF cycle_id, level, node_id, indicator, respondent, value, na, carried ON answer
WHEN ((NEW.level <> 3 OR NEW.respondent = 0)
      AND (SELECT digest IS NULL FROM node_state
           WHERE cycle_id = NEW.cycle_id AND level = NEW.level AND node_id = NEW.node_id) IS NOT 1)
  OR ((OLD.level <> 3 OR OLD.respondent = 0)
      AND (OLD.cycle_id, OLD.level, OLD.node_id, OLD.respondent)
          <> (NEW.cycle_id, NEW.level, NEW.node_id, NEW.respondent)) BEGIN
    UPDATE node_state SET digest = NULL
    WHERE (OLD.level <> 3 OR OLD.respondent = 0)
      AND cycle_id = OLD.cycle_id AND level = OLD.level AND node_id = OLD.node_id;
    INSERT INTO node_state (cycle_id, level, node_id, digest)
    SELECT NEW.cycle_id, NEW.level, NEW.node_id, NULL WHERE NEW.level <> 3 OR NEW.respondent = 0
    ON CONFLICT (cycle_id, level, node_id) DO UPDATE SET digest = NULL;
END;

CREATE TRIGGER answer_state_delete AFTER DELETE ON answer
WHEN (OLD.level <> 3 OR OLD.respondent = 0)
 AND (SELECT digest IS NOT NULL FROM node_state
      WHERE cycle_id = OLD.cycle_id AND level = OLD.level AND node_id = OLD.node_id) BEGIN
    UPDATE node_state SET digest = NULL
    WHERE cycle_id = OLD.cycle_id AND level = OLD.level AND node_id = OLD.node_id;
END;
