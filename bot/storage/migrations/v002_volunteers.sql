-- Teams, volunteers, household visits, help requests, campaign snapshots and the outbox.

CREATE TABLE teams (
    id           INTEGER PRIMARY KEY,
    join_code    TEXT    NOT NULL UNIQUE,   -- typed after /join; stored upper case
    name         TEXT    NOT NULL,
    commune_code TEXT    NOT NULL,          -- official code of the commune-level unit
    created_by   INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at   TEXT    NOT NULL
);
CREATE INDEX teams_by_commune ON teams (commune_code);

-- One team per volunteer; the name is the one they agreed to show their leader and admins.
CREATE TABLE memberships (
    user_id      INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    team_id      INTEGER NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    role         TEXT    NOT NULL CHECK (role IN ('volunteer', 'leader')),
    display_name TEXT,
    joined_at    TEXT    NOT NULL
);
CREATE INDEX memberships_by_team ON memberships (team_id, role);

-- Wrong join codes, to limit guessing.
CREATE TABLE join_failures (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    at      TEXT    NOT NULL
);
CREATE INDEX join_failures_by_user ON join_failures (user_id, at);

-- A household visit. id is the number told to the volunteer.
CREATE TABLE visits (
    id                 INTEGER PRIMARY KEY,
    draft_id           TEXT    NOT NULL UNIQUE,  -- a second Confirm finds the visit already saved
    volunteer_id       INTEGER REFERENCES users (id) ON DELETE SET NULL,
    team_id            INTEGER REFERENCES teams (id) ON DELETE SET NULL,
    commune_code       TEXT    NOT NULL,
    hamlet             TEXT    NOT NULL,
    household          TEXT    NOT NULL,          -- head of household's name or house number
    household_key      TEXT    NOT NULL,          -- folded commune|hamlet|household
    people             INTEGER NOT NULL CHECK (people BETWEEN 1 AND 50),
    s_public_services  INTEGER NOT NULL DEFAULT 0,
    s_shopping         INTEGER NOT NULL DEFAULT 0,
    s_payment          INTEGER NOT NULL DEFAULT 0,
    s_cyber_safety     INTEGER NOT NULL DEFAULT 0,
    s_other_platforms  INTEGER NOT NULL DEFAULT 0,
    o_vneid_level2     INTEGER NOT NULL DEFAULT 0,
    o_public_service   INTEGER NOT NULL DEFAULT 0,
    o_payment_account  INTEGER NOT NULL DEFAULT 0,
    o_biometrics       INTEGER NOT NULL DEFAULT 0,
    o_first_payment    INTEGER NOT NULL DEFAULT 0,
    o_two_factor       INTEGER NOT NULL DEFAULT 0,
    o_scam_talk        INTEGER NOT NULL DEFAULT 0,
    note               TEXT,
    follow_up_of       INTEGER REFERENCES visits (id),
    visited_at         TEXT    NOT NULL,          -- when the volunteer sent it, or a day chosen
    created_at         TEXT    NOT NULL,
    updated_at         TEXT    NOT NULL,
    deleted_at         TEXT,
    deleted_by         INTEGER REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX visits_by_household ON visits (household_key, visited_at);
CREATE INDEX visits_by_volunteer ON visits (volunteer_id, visited_at);
CREATE INDEX visits_by_team ON visits (team_id, visited_at);
CREATE INDEX visits_by_commune ON visits (commune_code, visited_at);
CREATE INDEX visits_by_time ON visits (visited_at);

-- A campaign's visits as they stood when it ended: its figures never change afterwards.
CREATE TABLE campaign_freezes (
    campaign  TEXT PRIMARY KEY,                   -- the campaign's key in config.yaml
    frozen_at TEXT NOT NULL
);
CREATE TABLE frozen_visits (
    campaign          TEXT    NOT NULL REFERENCES campaign_freezes (campaign),
    visit_id          INTEGER NOT NULL,
    volunteer_id      INTEGER,
    team_id           INTEGER,
    commune_code      TEXT    NOT NULL,
    household_key     TEXT    NOT NULL,
    people            INTEGER NOT NULL,
    s_public_services INTEGER NOT NULL,
    s_shopping        INTEGER NOT NULL,
    s_payment         INTEGER NOT NULL,
    s_cyber_safety    INTEGER NOT NULL,
    s_other_platforms INTEGER NOT NULL,
    o_vneid_level2    INTEGER NOT NULL,
    o_public_service  INTEGER NOT NULL,
    o_payment_account INTEGER NOT NULL,
    o_biometrics      INTEGER NOT NULL,
    o_first_payment   INTEGER NOT NULL,
    o_two_factor      INTEGER NOT NULL,
    o_scam_talk       INTEGER NOT NULL,
    follow_up_of      INTEGER,
    visited_at        TEXT    NOT NULL,
    PRIMARY KEY (campaign, visit_id)
);
CREATE INDEX frozen_visits_by_team ON frozen_visits (campaign, team_id);
CREATE INDEX frozen_visits_by_volunteer ON frozen_visits (campaign, volunteer_id);

-- A citizen asking for a volunteer to come and help in person.
CREATE TABLE help_requests (
    id           INTEGER PRIMARY KEY,
    citizen_id   INTEGER REFERENCES users (id) ON DELETE SET NULL,
    first_name   TEXT    NOT NULL,
    commune_code TEXT    NOT NULL,
    hamlet       TEXT    NOT NULL,
    phone        TEXT,                          -- optional; shown to the taker and admins only
    lesson_id    TEXT,
    status       TEXT    NOT NULL CHECK (status IN ('open', 'taken', 'done', 'cancelled')),
    taken_by     INTEGER REFERENCES users (id) ON DELETE SET NULL,
    taken_at     TEXT,
    escalated_at TEXT,
    done_at      TEXT,
    created_at   TEXT    NOT NULL
);
CREATE INDEX help_requests_open ON help_requests (status, created_at);
CREATE INDEX help_requests_by_commune ON help_requests (commune_code, status);

-- Messages to users other than the one who wrote (notifications), delivered by each
-- channel's worker. Written in the same transaction as the change that causes them.
CREATE TABLE outbox (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    reply      TEXT    NOT NULL,                -- JSON: text and buttons
    created_at TEXT    NOT NULL,
    sent_at    TEXT,
    attempts   INTEGER NOT NULL DEFAULT 0,
    failed     TEXT                             -- why it was given up, if it was
);
CREATE INDEX outbox_pending ON outbox (id) WHERE sent_at IS NULL AND failed IS NULL;
