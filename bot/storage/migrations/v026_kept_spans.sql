-- Distinct counts kept whole for a running campaign (issue 17: the leaderboard read 536,000
-- volunteers' points of span_points for each press at a province's scale). A span kept here
-- ([first_hour, last_hour), whole UTC hours) has, in span_totals, the members of each kind and
-- group active in it (households of a commune 'c', a team 't', a volunteer 'v'; learners 'l'),
-- kept by the two triggers below in the same transaction as every change of span_members: a
-- member joins a group's total when its first hour in the span appears, and leaves it when its
-- last one goes. So the ranking reads one row per group. Spans are kept on request (the
-- reports of a running campaign, bot/storage/summaries.py keep_span), counted once from
-- span_points when kept; other periods are read from span_points as before.
CREATE TABLE kept_spans (
    first_hour TEXT NOT NULL,
    last_hour  TEXT NOT NULL,                  -- exclusive
    PRIMARY KEY (first_hour, last_hour)
) WITHOUT ROWID;
CREATE TABLE span_totals (
    kind       TEXT    NOT NULL,
    grp        TEXT    NOT NULL,
    first_hour TEXT    NOT NULL,
    last_hour  TEXT    NOT NULL,
    members    INTEGER NOT NULL,
    PRIMARY KEY (kind, grp, first_hour, last_hour)
) WITHOUT ROWID;
CREATE TRIGGER span_totals_joined AFTER INSERT ON span_members BEGIN
    INSERT INTO span_totals (kind, grp, first_hour, last_hour, members)
    SELECT NEW.kind, NEW.grp, s.first_hour, s.last_hour, 1 FROM kept_spans s
    WHERE NEW.hour >= s.first_hour AND NEW.hour < s.last_hour
        AND NOT EXISTS (SELECT 1 FROM span_members m WHERE m.kind = NEW.kind AND m.grp = NEW.grp
            AND m.member = NEW.member AND m.hour >= s.first_hour AND m.hour < s.last_hour
            AND m.hour <> NEW.hour)
    ON CONFLICT (kind, grp, first_hour, last_hour) DO UPDATE SET members = members + 1;
END;
CREATE TRIGGER span_totals_left AFTER DELETE ON span_members BEGIN
    UPDATE span_totals SET members = members - 1
    WHERE kind = OLD.kind AND grp = OLD.grp
        AND EXISTS (SELECT 1 FROM kept_spans s WHERE s.first_hour = span_totals.first_hour
            AND s.last_hour = span_totals.last_hour AND OLD.hour >= s.first_hour
            AND OLD.hour < s.last_hour)
        AND NOT EXISTS (SELECT 1 FROM span_members m WHERE m.kind = OLD.kind AND m.grp = OLD.grp
            AND m.member = OLD.member AND m.hour >= span_totals.first_hour
            AND m.hour < span_totals.last_hour);
    DELETE FROM span_totals WHERE kind = OLD.kind AND grp = OLD.grp AND members = 0;
END;
