-- The last event (Telegram's update id) whose handling wrote the user's dialog. After a crash
-- Telegram sends again the updates the bot had fetched but not yet confirmed; one that was
-- handled already is recognised by its id and not handled twice (a hamlet typed once must not
-- become the household's name at the next step too).
ALTER TABLE dialogs ADD COLUMN last_event INTEGER;
