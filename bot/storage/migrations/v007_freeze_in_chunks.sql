-- An ended campaign's visits are copied in chunks, each its own short transaction, so nobody's
-- writes wait behind one long copy (750,000 visits took 14-39 s in one). A freeze counts once
-- it is complete; visits logged after it began (a higher id) were never the campaign's.
ALTER TABLE campaign_freezes ADD COLUMN last_visit_id INTEGER NOT NULL DEFAULT 0;
ALTER TABLE campaign_freezes ADD COLUMN copied_to INTEGER NOT NULL DEFAULT 0;
ALTER TABLE campaign_freezes ADD COLUMN completed_at TEXT;
-- The freezes made before were made whole, in one transaction.
UPDATE campaign_freezes SET completed_at = frozen_at;
