-- Messages sent per channel and month, for plans that cap them (Zalo's Basic plan: 3,000 a
-- month): admins are warned at 70, 85 and 95%, and a broadcast's preview says what is left.
CREATE TABLE channel_usage (
    channel  TEXT    NOT NULL,
    month    TEXT    NOT NULL,  -- YYYY-MM, local time
    sent     INTEGER NOT NULL DEFAULT 0,
    warned   INTEGER NOT NULL DEFAULT 0,  -- the highest warning given: 0, 70, 85 or 95 (%)
    PRIMARY KEY (channel, month)
) WITHOUT ROWID;
