-- Broadcasts and their deliveries, the audit log, exports, and inactive (blocked) users.

-- A user who blocked the bot is left out of broadcasts until they write again.
ALTER TABLE users ADD COLUMN blocked_at TEXT;

CREATE TABLE broadcasts (
    id            INTEGER PRIMARY KEY,
    created_by    INTEGER REFERENCES users (id) ON DELETE SET NULL,
    text_vi       TEXT    NOT NULL,
    text_en       TEXT,                         -- optional English version
    photo         TEXT,                         -- a stored photo file, optional
    audience      TEXT    NOT NULL,             -- JSON: {"kind": "everyone" | ..., "value": ...}
    status        TEXT    NOT NULL CHECK (status IN
                      ('draft', 'scheduled', 'sending', 'done', 'cancelled')),
    scheduled_for TEXT,                         -- UTC; NULL = now
    created_at    TEXT    NOT NULL,
    started_at    TEXT,
    finished_at   TEXT,
    progress_chat TEXT,                         -- where the admin watches progress: "channel:id"
    progress_message TEXT                       -- the message edited with the progress
);
CREATE INDEX broadcasts_by_status ON broadcasts (status, scheduled_for);

-- One row per recipient, written before anything is sent.
CREATE TABLE deliveries (
    broadcast_id INTEGER NOT NULL REFERENCES broadcasts (id) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status       TEXT    NOT NULL CHECK (status IN
                     ('pending', 'sending', 'sent', 'blocked', 'failed', 'cancelled')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    reason       TEXT,
    updated_at   TEXT,
    PRIMARY KEY (broadcast_id, user_id)
) WITHOUT ROWID;
CREATE INDEX deliveries_pending ON deliveries (broadcast_id, status);

-- Every privileged action: who, what, when.
CREATE TABLE audit_log (
    id       INTEGER PRIMARY KEY,
    actor_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    action   TEXT    NOT NULL,                  -- broadcast, export, role, team, delete, ...
    detail   TEXT    NOT NULL,                  -- a short description, no personal data
    at       TEXT    NOT NULL
);
CREATE INDEX audit_log_by_time ON audit_log (at);
