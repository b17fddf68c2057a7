-- The household's agreement to be recorded, kept with the visit: when the volunteer recorded
-- it (the volunteer is the visit's own, volunteer_id: only they save and edit it). The form
-- has required it before saving since v002; the visits saved before this migration are marked
-- as agreed when they were saved.
ALTER TABLE visits ADD COLUMN consent_at TEXT;
UPDATE visits SET consent_at = created_at;
