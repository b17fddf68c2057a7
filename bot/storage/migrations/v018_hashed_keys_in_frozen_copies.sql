-- An ended campaign's frozen copy kept each visit's household key, "commune|hamlet|name"
-- folded: the household's name, for ever. The copies now keep a keyed hash of it instead
-- (HMAC-SHA256 with a random key kept in this database; keyed_hash() is bot/storage/db.py's):
-- the same household gives the same value, so households are still counted, and the copy
-- names nobody. Nothing compares a copy's keys with the live visits'.
CREATE TABLE secrets (
    name  TEXT PRIMARY KEY,
    value BLOB NOT NULL
) WITHOUT ROWID;
INSERT INTO secrets (name, value) VALUES ('household', randomblob(32));
UPDATE frozen_visits SET household_key = keyed_hash(
    (SELECT value FROM secrets WHERE name = 'household'), household_key);
