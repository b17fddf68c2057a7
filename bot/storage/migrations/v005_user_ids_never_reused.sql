-- A user's id is never given to someone else after /deleteme: the audit log names users by id
-- ("user 42 deleted their data"), so a reused id would point at the wrong person. SQLite only
-- guarantees that with AUTOINCREMENT, which needs the table rebuilt (the ALTER TABLE
-- procedure; the migration runner turns foreign keys off meanwhile and checks them after).
CREATE TABLE users_new (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    channel       TEXT    NOT NULL,            -- telegram, console, zalo
    external_id   TEXT    NOT NULL,            -- the user's id within that channel
    locale        TEXT    NOT NULL,
    locale_chosen INTEGER NOT NULL DEFAULT 0,  -- 1 once the user picked it with /language
    created_at    TEXT    NOT NULL,
    last_seen_at  TEXT    NOT NULL,
    blocked_at    TEXT,                        -- set when sends fail as blocked; cleared on use
    UNIQUE (channel, external_id)
);
INSERT INTO users_new (id, channel, external_id, locale, locale_chosen, created_at,
                       last_seen_at, blocked_at)
    SELECT id, channel, external_id, locale, locale_chosen, created_at, last_seen_at, blocked_at
    FROM users;
-- Copying the rows starts the counter at the highest id now in use; an id deleted before this
-- migration, above every current one, can still come back once (it cannot be known).
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;
CREATE INDEX users_by_created ON users (created_at);
