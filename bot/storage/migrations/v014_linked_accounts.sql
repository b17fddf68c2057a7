-- One person, two chat apps (Telegram and Zalo): /link shows a one-time code on one, typed on
-- the other it links them. The account that typed it points at the one that showed it
-- (linked_to) and acts as it: same progress, team and role; its own data moved there (a
-- lesson both had keeps the linked-to account's place). Deleting the linked-to account
-- deletes the other too (ON DELETE CASCADE): /deleteme from either erases both.
ALTER TABLE users ADD COLUMN linked_to INTEGER REFERENCES users (id) ON DELETE CASCADE;
CREATE INDEX users_linked ON users (linked_to) WHERE linked_to IS NOT NULL;
CREATE TABLE link_codes (
    code       TEXT    PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at TEXT    NOT NULL
);
CREATE INDEX link_codes_by_user ON link_codes (user_id);
