-- The privacy purge drops the forms and remembered buttons of chats silent for 30 days
-- (bot/storage/privacy.py DRAFT_KEPT), every minute: by age, without reading every user's row.
CREATE INDEX dialogs_by_age ON dialogs (updated_at);
