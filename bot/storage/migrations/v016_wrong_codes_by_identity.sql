-- Wrong join and link codes are counted per chat identity ("telegram:123"), not per user id:
-- /deleteme gives the person a fresh user id, and must not give them fresh tries. The rows
-- are kept an hour (the retention purge), which is all the limit needs; the old rows, an hour
-- at most, are dropped.
DROP TABLE join_failures;
CREATE TABLE join_failures (
    identity TEXT NOT NULL,  -- "<channel>:<the channel's user id>"
    at       TEXT NOT NULL
);
CREATE INDEX join_failures_by_identity ON join_failures (identity, at);
-- The province-wide count of the last hour, and the purge.
CREATE INDEX join_failures_by_time ON join_failures (at);
