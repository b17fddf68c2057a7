-- Users, their dialog state and their lesson progress.
-- Times are ISO 8601 UTC text ("2026-11-28T18:30:00+00:00").

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    channel       TEXT    NOT NULL,            -- telegram, console, zalo
    external_id   TEXT    NOT NULL,            -- the user's id within that channel
    locale        TEXT    NOT NULL,
    locale_chosen INTEGER NOT NULL DEFAULT 0,  -- 1 once the user picked it with /language
    created_at    TEXT    NOT NULL,
    last_seen_at  TEXT    NOT NULL,
    UNIQUE (channel, external_id)
);

-- Where each user is in a conversation, so a restart loses nothing.
CREATE TABLE dialogs (
    user_id    INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    state      TEXT    NOT NULL DEFAULT '{}',  -- JSON: the open flow and its draft
    options    TEXT    NOT NULL DEFAULT '[]',  -- JSON: the choices last shown, for typed answers
    updated_at TEXT    NOT NULL
);

-- position counts the steps, then the quiz questions, then the end: 0 .. steps + questions.
CREATE TABLE lesson_progress (
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    lesson_id    TEXT    NOT NULL,
    position     INTEGER NOT NULL DEFAULT 0,
    status       TEXT    NOT NULL CHECK (status IN ('in_progress', 'done')),
    started_at   TEXT    NOT NULL,
    updated_at   TEXT    NOT NULL,
    completed_at TEXT,                         -- the first completion; kept when re-taken
    PRIMARY KEY (user_id, lesson_id)
);
CREATE INDEX lesson_progress_by_recent ON lesson_progress (user_id, status, updated_at);

CREATE TABLE quiz_answers (
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    lesson_id   TEXT    NOT NULL,
    question    INTEGER NOT NULL,
    choice      INTEGER NOT NULL,
    correct     INTEGER NOT NULL,
    answered_at TEXT    NOT NULL,
    PRIMARY KEY (user_id, lesson_id, question)
);
