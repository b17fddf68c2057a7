-- Lessons merged into others (a lesson's `replaces:`). Each merge moves learners' progress
-- once, at the first start with the new catalog; the row says it was done.
CREATE TABLE lesson_merges (
    old_id    TEXT PRIMARY KEY,
    into_id   TEXT NOT NULL,
    merged_at TEXT NOT NULL
);
