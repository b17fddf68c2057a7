-- Gentle reminders (issue 17): a learner's choice, asked at a lesson's first step, and when the
-- last reminder went. No row: not asked yet, so never reminded.
CREATE TABLE reminders (
    user_id    INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    wanted     INTEGER NOT NULL CHECK (wanted IN (0, 1)),
    decided_at TEXT    NOT NULL,
    sent_at    TEXT                             -- the last reminder sent
);
CREATE INDEX reminders_wanted ON reminders (user_id) WHERE wanted = 1;
