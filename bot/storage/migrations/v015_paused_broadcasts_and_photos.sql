-- A broadcast can be paused: a channel whose plan caps the month's messages (Zalo) ran out
-- while sending it. Its deliveries on that channel stay pending (held names the channel),
-- the other channels finish, and an admin resumes it when messages are available again.
-- SQLite cannot change a CHECK in place, so the table is rebuilt (the ALTER TABLE procedure;
-- the runner turns foreign keys off meanwhile and checks them after).
CREATE TABLE broadcasts_new (
    id            INTEGER PRIMARY KEY,
    created_by    INTEGER REFERENCES users (id) ON DELETE SET NULL,
    text_vi       TEXT    NOT NULL,
    text_en       TEXT,                         -- optional English version
    photo         TEXT,                         -- a photo reference "<channel>:<id>", optional
    audience      TEXT    NOT NULL,             -- JSON: {"kind": "everyone" | ..., "value": ...}
    status        TEXT    NOT NULL CHECK (status IN
                      ('draft', 'scheduled', 'sending', 'paused', 'done', 'cancelled')),
    scheduled_for TEXT,                         -- UTC; NULL = now
    created_at    TEXT    NOT NULL,
    started_at    TEXT,
    finished_at   TEXT,
    progress_chat TEXT,                         -- where the admin watches progress: "channel:id"
    progress_message TEXT,                      -- the message edited with the progress
    held          TEXT                          -- the channel whose quota paused it
);
INSERT INTO broadcasts_new (id, created_by, text_vi, text_en, photo, audience, status,
                            scheduled_for, created_at, started_at, finished_at, progress_chat,
                            progress_message)
    SELECT id, created_by, text_vi, text_en, photo, audience, status, scheduled_for,
           created_at, started_at, finished_at, progress_chat, progress_message
    FROM broadcasts;
DROP TABLE broadcasts;
ALTER TABLE broadcasts_new RENAME TO broadcasts;
CREATE INDEX broadcasts_by_status ON broadcasts (status, scheduled_for);
CREATE INDEX broadcasts_by_creator ON broadcasts (created_by) WHERE created_by IS NOT NULL;

-- Broadcast photos served to channels that fetch a photo by its public address (Zalo): the
-- bytes, fetched once from the channel the admin sent them on, under an unguessable token.
-- Purged after 30 days, with the broadcast long delivered.
CREATE TABLE photos (
    token      TEXT    PRIMARY KEY,             -- in the URL: /photos/<token>
    ref        TEXT    NOT NULL UNIQUE,         -- the photo reference it was fetched for
    mime       TEXT    NOT NULL,
    content    BLOB    NOT NULL,
    created_at TEXT    NOT NULL
) WITHOUT ROWID;
CREATE INDEX photos_by_age ON photos (created_at);
