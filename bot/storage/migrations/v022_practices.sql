-- Good practices (issue 17): what a team did that worked, written by a volunteer or a team
-- leader, reviewed by an admin, then shown to every team (/practices). The text is the team's
-- public work once approved; the link to the person who wrote it goes with /deleteme (SET NULL,
-- and bot/storage/privacy.py deletes their submissions never approved).
CREATE TABLE practices (
    id           INTEGER PRIMARY KEY,
    submitted_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    commune_code TEXT    NOT NULL,              -- where it was done
    title        TEXT    NOT NULL,
    what         TEXT    NOT NULL,              -- what was done
    result       TEXT    NOT NULL,
    figures      TEXT,                          -- the team's figures, when the writer attached them
    photo        TEXT,                          -- a photo reference ("<channel>:<file id>")
    search       TEXT    NOT NULL,              -- title, commune and what, folded: " word word "
    status       TEXT    NOT NULL CHECK (status IN ('pending', 'changes', 'approved', 'rejected')),
    note         TEXT,                          -- the admin's reason (changes asked, rejected)
    reviewed_by  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at   TEXT    NOT NULL,
    reviewed_at  TEXT
);
-- The feed (approved, newest decision first), the list awaiting review, the retention purge.
CREATE INDEX practices_by_status ON practices (status, reviewed_at);
-- A writer's open submission (one at a time), and /deleteme.
CREATE INDEX practices_by_submitter ON practices (submitted_by, status);
CREATE INDEX practices_by_reviewer ON practices (reviewed_by) WHERE reviewed_by IS NOT NULL;
