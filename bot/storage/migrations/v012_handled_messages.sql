-- Channels without increasing update numbers (Zalo) name each message with an opaque id; a
-- webhook delivered again after a crash must be handled once. The core records each id before
-- handling it (a message it has seen is dropped); ids older than two days are forgotten by the
-- privacy purge (redeliveries come within minutes).
CREATE TABLE handled_messages (
    channel     TEXT NOT NULL,
    message_id  TEXT NOT NULL,
    at          TEXT NOT NULL,
    PRIMARY KEY (channel, message_id)
) WITHOUT ROWID;
CREATE INDEX handled_messages_by_age ON handled_messages (at);
