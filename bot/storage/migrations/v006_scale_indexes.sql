-- Province scale: summaries that keep /stats, the chart and the leaderboard fast with a
-- million visits and millions of lessons, and indexes on the foreign keys that point at users.
--
-- The summaries are kept by triggers in the same transaction as the change they follow, so
-- they are always exact; bot/storage/reports.py reads them for periods made of whole UTC hours
-- (local days in Vietnam are) and reads the raw tables otherwise. Hours are UTC, written as
-- the first 13 characters of the ISO times: 'YYYY-MM-DDTHH'.

-- Visits that stand (not deleted) per hour and commune, and per hour and team ('' = none):
-- the figures that add up (people over first visits only, as bot/storage/figures.py counts).
CREATE TABLE commune_hours (
    hour              TEXT    NOT NULL,
    commune_code      TEXT    NOT NULL,
    visits            INTEGER NOT NULL,
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
    PRIMARY KEY (hour, commune_code)
) WITHOUT ROWID;
CREATE TABLE team_hours (
    hour              TEXT    NOT NULL,
    team              TEXT    NOT NULL,            -- the team id as text; '' for none
    visits            INTEGER NOT NULL,
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
    PRIMARY KEY (hour, team)
) WITHOUT ROWID;

-- Distinct counts over any range of hours: households visited (first visits) in a commune
-- ('c', grp = commune code) or by a team ('t', grp = team id), people who completed a lesson
-- ('l', grp = ''). span_members holds the hours each member was active in (n: the rows that
-- made it so). span_points holds, for each such hour, the member's previous active hour ('' if
-- none): a member counts once in [S, E) through its first hour there, the one whose previous
-- hour is before S, so a distinct count is SUM(n) over points with S <= hour < E and
-- prev_hour < S; a few thousand rows whatever the millions behind them.
CREATE TABLE span_members (
    kind   TEXT    NOT NULL,
    grp    TEXT    NOT NULL,
    member TEXT    NOT NULL,                       -- a household key or a user id
    hour   TEXT    NOT NULL,
    n      INTEGER NOT NULL,
    PRIMARY KEY (kind, grp, member, hour)
) WITHOUT ROWID;
CREATE TABLE span_points (
    kind      TEXT    NOT NULL,
    hour      TEXT    NOT NULL,
    grp       TEXT    NOT NULL,
    prev_hour TEXT    NOT NULL,
    n         INTEGER NOT NULL,
    PRIMARY KEY (kind, hour, grp, prev_hour)
) WITHOUT ROWID;

-- Lessons first completed per hour.
CREATE TABLE completion_hours (
    hour      TEXT    PRIMARY KEY,
    completed INTEGER NOT NULL
) WITHOUT ROWID;

-- Skills mastered: the five skills' lessons as the catalog has them (written by
-- bot/storage/reports.py from the lessons when they differ), each user's completed lessons
-- per skill and when the skill was mastered (its last lesson completed), and when users
-- mastered every skill.
CREATE TABLE skill_catalog (
    skill   TEXT    PRIMARY KEY,
    lessons INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE lesson_skills (
    lesson_id TEXT PRIMARY KEY,
    skill     TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE skill_progress (
    user_id     INTEGER NOT NULL,
    skill       TEXT    NOT NULL,
    done        INTEGER NOT NULL,
    mastered_at TEXT,                              -- when done reached the skill's lessons
    PRIMARY KEY (user_id, skill)
) WITHOUT ROWID;
CREATE INDEX skill_progress_by_mastery ON skill_progress (mastered_at)
    WHERE mastered_at IS NOT NULL;
CREATE TABLE user_mastery (
    user_id INTEGER PRIMARY KEY,
    all_at  TEXT    NOT NULL                       -- when the last of every skill was mastered
);
CREATE INDEX user_mastery_by_time ON user_mastery (all_at);

-- An ended campaign's figures, summed once from its frozen visits (they never change) the
-- first time a report needs them.
CREATE TABLE frozen_summaries (
    campaign TEXT PRIMARY KEY REFERENCES campaign_freezes (campaign),
    built_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE frozen_figures (
    campaign          TEXT    NOT NULL,
    kind              TEXT    NOT NULL,            -- 'c': by commune, 't': by team
    key               TEXT    NOT NULL,            -- the commune code or team id ('' = none)
    households        INTEGER NOT NULL,
    visits            INTEGER NOT NULL,
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
    PRIMARY KEY (campaign, kind, key)
) WITHOUT ROWID;
CREATE TABLE frozen_hours (
    campaign     TEXT    NOT NULL,
    commune_code TEXT    NOT NULL,
    hour         TEXT    NOT NULL,
    visits       INTEGER NOT NULL,
    PRIMARY KEY (campaign, commune_code, hour)
) WITHOUT ROWID;
CREATE TABLE frozen_volunteers (
    campaign     TEXT    NOT NULL,
    volunteer_id INTEGER NOT NULL,
    households   INTEGER NOT NULL,
    PRIMARY KEY (campaign, volunteer_id)
) WITHOUT ROWID;

-- Deleting a user (/deleteme) finds the rows that point at them through these; without them
-- each deletion read the whole of visits, deliveries and the outbox under the write lock.
CREATE INDEX visits_by_deleter ON visits (deleted_by) WHERE deleted_by IS NOT NULL;
CREATE INDEX deliveries_by_user ON deliveries (user_id);
CREATE INDEX outbox_by_user ON outbox (user_id);
CREATE INDEX help_requests_by_citizen ON help_requests (citizen_id);
CREATE INDEX help_requests_by_taker ON help_requests (taken_by) WHERE taken_by IS NOT NULL;
CREATE INDEX audit_log_by_actor ON audit_log (actor_id) WHERE actor_id IS NOT NULL;
CREATE INDEX teams_by_creator ON teams (created_by) WHERE created_by IS NOT NULL;
CREATE INDEX broadcasts_by_creator ON broadcasts (created_by) WHERE created_by IS NOT NULL;

-- The summaries of the rows already there (before the triggers exist, so nothing counts twice).
INSERT INTO commune_hours (hour, commune_code, visits, people,
    s_public_services, s_shopping, s_payment, s_cyber_safety,
    s_other_platforms, o_vneid_level2, o_public_service, o_payment_account,
    o_biometrics, o_first_payment, o_two_factor, o_scam_talk)
SELECT substr(visited_at, 1, 13), commune_code, COUNT(*),
       SUM(CASE WHEN follow_up_of IS NULL THEN people ELSE 0 END),
       SUM(s_public_services), SUM(s_shopping), SUM(s_payment), SUM(s_cyber_safety),
       SUM(s_other_platforms), SUM(o_vneid_level2), SUM(o_public_service), SUM(o_payment_account),
       SUM(o_biometrics), SUM(o_first_payment), SUM(o_two_factor), SUM(o_scam_talk)
FROM visits WHERE deleted_at IS NULL GROUP BY 1, 2;
INSERT INTO team_hours (hour, team, visits, people,
    s_public_services, s_shopping, s_payment, s_cyber_safety,
    s_other_platforms, o_vneid_level2, o_public_service, o_payment_account,
    o_biometrics, o_first_payment, o_two_factor, o_scam_talk)
SELECT substr(visited_at, 1, 13), IFNULL(CAST(team_id AS TEXT), ''), COUNT(*),
       SUM(CASE WHEN follow_up_of IS NULL THEN people ELSE 0 END),
       SUM(s_public_services), SUM(s_shopping), SUM(s_payment), SUM(s_cyber_safety),
       SUM(s_other_platforms), SUM(o_vneid_level2), SUM(o_public_service), SUM(o_payment_account),
       SUM(o_biometrics), SUM(o_first_payment), SUM(o_two_factor), SUM(o_scam_talk)
FROM visits WHERE deleted_at IS NULL GROUP BY 1, 2;
INSERT INTO span_members (kind, grp, member, hour, n)
SELECT 'c', commune_code, household_key, substr(visited_at, 1, 13), COUNT(*)
FROM visits WHERE deleted_at IS NULL AND follow_up_of IS NULL GROUP BY 2, 3, 4;
INSERT INTO span_members (kind, grp, member, hour, n)
SELECT 't', IFNULL(CAST(team_id AS TEXT), ''), household_key, substr(visited_at, 1, 13), COUNT(*)
FROM visits WHERE deleted_at IS NULL AND follow_up_of IS NULL GROUP BY 2, 3, 4;
INSERT INTO span_members (kind, grp, member, hour, n)
SELECT 'l', '', CAST(user_id AS TEXT), substr(completed_at, 1, 13), COUNT(*)
FROM lesson_progress WHERE completed_at IS NOT NULL GROUP BY 3, 4;
INSERT INTO span_points (kind, hour, grp, prev_hour, n)
SELECT kind, hour, grp, prev_hour, COUNT(*) FROM (
    SELECT kind, hour, grp,
           IFNULL(LAG(hour) OVER (PARTITION BY kind, grp, member ORDER BY hour), '') AS prev_hour
    FROM span_members)
GROUP BY 1, 2, 3, 4;
INSERT INTO completion_hours (hour, completed)
SELECT substr(completed_at, 1, 13), COUNT(*) FROM lesson_progress
WHERE completed_at IS NOT NULL GROUP BY 1;

-- What changed, one row per visit counted (+1) or uncounted (-1); the trigger on it applies
-- the change to the summaries and removes the row. Keeps one copy of that logic for inserts,
-- edits and deletions.
CREATE TABLE visit_changes (
    sign          INTEGER NOT NULL,
    hour          TEXT    NOT NULL,
    commune_code  TEXT    NOT NULL,
    team          TEXT    NOT NULL,
    household_key TEXT    NOT NULL,
    first         INTEGER NOT NULL,                -- 1 for a first visit, 0 for a follow-up
    people        INTEGER NOT NULL,
    s_public_services, s_shopping, s_payment, s_cyber_safety,
    s_other_platforms, o_vneid_level2, o_public_service, o_payment_account,
    o_biometrics, o_first_payment, o_two_factor, o_scam_talk
);
CREATE TABLE completion_changes (
    sign    INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    lesson_id TEXT  NOT NULL,
    hour    TEXT    NOT NULL
);

CREATE TRIGGER visits_counted AFTER INSERT ON visits WHEN NEW.deleted_at IS NULL BEGIN
    INSERT INTO visit_changes (sign, hour, commune_code, team, household_key, first, people,
        s_public_services, s_shopping, s_payment, s_cyber_safety,
        s_other_platforms, o_vneid_level2, o_public_service, o_payment_account,
        o_biometrics, o_first_payment, o_two_factor, o_scam_talk)
    VALUES (1, substr(NEW.visited_at, 1, 13), NEW.commune_code, IFNULL(CAST(NEW.team_id AS TEXT), ''),
        NEW.household_key, NEW.follow_up_of IS NULL, NEW.people,
        NEW.s_public_services, NEW.s_shopping, NEW.s_payment, NEW.s_cyber_safety,
        NEW.s_other_platforms, NEW.o_vneid_level2, NEW.o_public_service, NEW.o_payment_account,
        NEW.o_biometrics, NEW.o_first_payment, NEW.o_two_factor, NEW.o_scam_talk);
END;
CREATE TRIGGER visits_recounted AFTER UPDATE OF commune_code, team_id, household_key, people, follow_up_of, visited_at, deleted_at,
        s_public_services, s_shopping, s_payment, s_cyber_safety,
        s_other_platforms, o_vneid_level2, o_public_service, o_payment_account,
        o_biometrics, o_first_payment, o_two_factor, o_scam_talk ON visits BEGIN
    INSERT INTO visit_changes (sign, hour, commune_code, team, household_key, first, people,
        s_public_services, s_shopping, s_payment, s_cyber_safety,
        s_other_platforms, o_vneid_level2, o_public_service, o_payment_account,
        o_biometrics, o_first_payment, o_two_factor, o_scam_talk)
    SELECT -1, substr(OLD.visited_at, 1, 13), OLD.commune_code, IFNULL(CAST(OLD.team_id AS TEXT), ''),
        OLD.household_key, OLD.follow_up_of IS NULL, OLD.people,
        OLD.s_public_services, OLD.s_shopping, OLD.s_payment, OLD.s_cyber_safety,
        OLD.s_other_platforms, OLD.o_vneid_level2, OLD.o_public_service, OLD.o_payment_account,
        OLD.o_biometrics, OLD.o_first_payment, OLD.o_two_factor, OLD.o_scam_talk
    WHERE OLD.deleted_at IS NULL;
    INSERT INTO visit_changes (sign, hour, commune_code, team, household_key, first, people,
        s_public_services, s_shopping, s_payment, s_cyber_safety,
        s_other_platforms, o_vneid_level2, o_public_service, o_payment_account,
        o_biometrics, o_first_payment, o_two_factor, o_scam_talk)
    SELECT 1, substr(NEW.visited_at, 1, 13), NEW.commune_code, IFNULL(CAST(NEW.team_id AS TEXT), ''),
        NEW.household_key, NEW.follow_up_of IS NULL, NEW.people,
        NEW.s_public_services, NEW.s_shopping, NEW.s_payment, NEW.s_cyber_safety,
        NEW.s_other_platforms, NEW.o_vneid_level2, NEW.o_public_service, NEW.o_payment_account,
        NEW.o_biometrics, NEW.o_first_payment, NEW.o_two_factor, NEW.o_scam_talk
    WHERE NEW.deleted_at IS NULL;
END;
CREATE TRIGGER visits_uncounted AFTER DELETE ON visits WHEN OLD.deleted_at IS NULL BEGIN
    INSERT INTO visit_changes (sign, hour, commune_code, team, household_key, first, people,
        s_public_services, s_shopping, s_payment, s_cyber_safety,
        s_other_platforms, o_vneid_level2, o_public_service, o_payment_account,
        o_biometrics, o_first_payment, o_two_factor, o_scam_talk)
    VALUES (-1, substr(OLD.visited_at, 1, 13), OLD.commune_code, IFNULL(CAST(OLD.team_id AS TEXT), ''),
        OLD.household_key, OLD.follow_up_of IS NULL, OLD.people,
        OLD.s_public_services, OLD.s_shopping, OLD.s_payment, OLD.s_cyber_safety,
        OLD.s_other_platforms, OLD.o_vneid_level2, OLD.o_public_service, OLD.o_payment_account,
        OLD.o_biometrics, OLD.o_first_payment, OLD.o_two_factor, OLD.o_scam_talk);
END;
CREATE TRIGGER visit_changes_applied AFTER INSERT ON visit_changes BEGIN
    INSERT INTO commune_hours (hour, commune_code, visits, people,
        s_public_services, s_shopping, s_payment, s_cyber_safety,
        s_other_platforms, o_vneid_level2, o_public_service, o_payment_account,
        o_biometrics, o_first_payment, o_two_factor, o_scam_talk)
    VALUES (NEW.hour, NEW.commune_code,
        NEW.sign, NEW.sign * NEW.first * NEW.people, NEW.sign * NEW.s_public_services,
        NEW.sign * NEW.s_shopping, NEW.sign * NEW.s_payment, NEW.sign * NEW.s_cyber_safety,
        NEW.sign * NEW.s_other_platforms, NEW.sign * NEW.o_vneid_level2, NEW.sign * NEW.o_public_service,
        NEW.sign * NEW.o_payment_account, NEW.sign * NEW.o_biometrics, NEW.sign * NEW.o_first_payment,
        NEW.sign * NEW.o_two_factor, NEW.sign * NEW.o_scam_talk)
    ON CONFLICT (hour, commune_code) DO UPDATE SET
        visits = visits + excluded.visits,
        people = people + excluded.people,
        s_public_services = s_public_services + excluded.s_public_services,
        s_shopping = s_shopping + excluded.s_shopping,
        s_payment = s_payment + excluded.s_payment,
        s_cyber_safety = s_cyber_safety + excluded.s_cyber_safety,
        s_other_platforms = s_other_platforms + excluded.s_other_platforms,
        o_vneid_level2 = o_vneid_level2 + excluded.o_vneid_level2,
        o_public_service = o_public_service + excluded.o_public_service,
        o_payment_account = o_payment_account + excluded.o_payment_account,
        o_biometrics = o_biometrics + excluded.o_biometrics,
        o_first_payment = o_first_payment + excluded.o_first_payment,
        o_two_factor = o_two_factor + excluded.o_two_factor,
        o_scam_talk = o_scam_talk + excluded.o_scam_talk;
    DELETE FROM commune_hours WHERE hour = NEW.hour AND commune_code = NEW.commune_code AND visits = 0;
    INSERT INTO team_hours (hour, team, visits, people,
        s_public_services, s_shopping, s_payment, s_cyber_safety,
        s_other_platforms, o_vneid_level2, o_public_service, o_payment_account,
        o_biometrics, o_first_payment, o_two_factor, o_scam_talk)
    VALUES (NEW.hour, NEW.team,
        NEW.sign, NEW.sign * NEW.first * NEW.people, NEW.sign * NEW.s_public_services,
        NEW.sign * NEW.s_shopping, NEW.sign * NEW.s_payment, NEW.sign * NEW.s_cyber_safety,
        NEW.sign * NEW.s_other_platforms, NEW.sign * NEW.o_vneid_level2, NEW.sign * NEW.o_public_service,
        NEW.sign * NEW.o_payment_account, NEW.sign * NEW.o_biometrics, NEW.sign * NEW.o_first_payment,
        NEW.sign * NEW.o_two_factor, NEW.sign * NEW.o_scam_talk)
    ON CONFLICT (hour, team) DO UPDATE SET
        visits = visits + excluded.visits,
        people = people + excluded.people,
        s_public_services = s_public_services + excluded.s_public_services,
        s_shopping = s_shopping + excluded.s_shopping,
        s_payment = s_payment + excluded.s_payment,
        s_cyber_safety = s_cyber_safety + excluded.s_cyber_safety,
        s_other_platforms = s_other_platforms + excluded.s_other_platforms,
        o_vneid_level2 = o_vneid_level2 + excluded.o_vneid_level2,
        o_public_service = o_public_service + excluded.o_public_service,
        o_payment_account = o_payment_account + excluded.o_payment_account,
        o_biometrics = o_biometrics + excluded.o_biometrics,
        o_first_payment = o_first_payment + excluded.o_first_payment,
        o_two_factor = o_two_factor + excluded.o_two_factor,
        o_scam_talk = o_scam_talk + excluded.o_scam_talk;
    DELETE FROM team_hours WHERE hour = NEW.hour AND team = NEW.team AND visits = 0;
    -- A first visit makes its household active in this hour, in its commune and team.
    INSERT INTO span_members (kind, grp, member, hour, n)
    SELECT 'c', NEW.commune_code, NEW.household_key, NEW.hour, 1 WHERE NEW.first AND NEW.sign > 0
    ON CONFLICT (kind, grp, member, hour) DO UPDATE SET n = n + 1;
    INSERT INTO span_members (kind, grp, member, hour, n)
    SELECT 't', NEW.team, NEW.household_key, NEW.hour, 1 WHERE NEW.first AND NEW.sign > 0
    ON CONFLICT (kind, grp, member, hour) DO UPDATE SET n = n + 1;
    UPDATE span_members SET n = n - 1 WHERE NEW.first AND NEW.sign < 0 AND kind = 'c' AND grp = NEW.commune_code AND member = NEW.household_key AND hour = NEW.hour;
    DELETE FROM span_members WHERE kind = 'c' AND grp = NEW.commune_code AND member = NEW.household_key AND hour = NEW.hour AND n = 0;
    UPDATE span_members SET n = n - 1 WHERE NEW.first AND NEW.sign < 0 AND kind = 't' AND grp = NEW.team AND member = NEW.household_key AND hour = NEW.hour;
    DELETE FROM span_members WHERE kind = 't' AND grp = NEW.team AND member = NEW.household_key AND hour = NEW.hour AND n = 0;
    DELETE FROM visit_changes WHERE rowid = NEW.rowid;
END;

-- A member active in a new hour: its point there follows its previous hour, and the point of
-- its next hour (if any) now follows the new hour instead.
CREATE TRIGGER span_member_added AFTER INSERT ON span_members BEGIN
    INSERT INTO span_points (kind, hour, grp, prev_hour, n)
    SELECT NEW.kind, NEW.hour, NEW.grp, IFNULL((SELECT MAX(hour) FROM span_members WHERE kind = NEW.kind AND grp = NEW.grp AND member = NEW.member AND hour < NEW.hour), ''), 1 WHERE true
    ON CONFLICT (kind, hour, grp, prev_hour) DO UPDATE SET n = n + 1;
    INSERT INTO span_points (kind, hour, grp, prev_hour, n)
    SELECT NEW.kind, (SELECT MIN(hour) FROM span_members WHERE kind = NEW.kind AND grp = NEW.grp AND member = NEW.member AND hour > NEW.hour), NEW.grp, NEW.hour, 1 WHERE (SELECT MIN(hour) FROM span_members WHERE kind = NEW.kind AND grp = NEW.grp AND member = NEW.member AND hour > NEW.hour) IS NOT NULL
    ON CONFLICT (kind, hour, grp, prev_hour) DO UPDATE SET n = n + 1;
    UPDATE span_points SET n = n - 1 WHERE kind = NEW.kind AND hour = (SELECT MIN(hour) FROM span_members WHERE kind = NEW.kind AND grp = NEW.grp AND member = NEW.member AND hour > NEW.hour) AND grp = NEW.grp AND prev_hour = IFNULL((SELECT MAX(hour) FROM span_members WHERE kind = NEW.kind AND grp = NEW.grp AND member = NEW.member AND hour < NEW.hour), '');
    DELETE FROM span_points WHERE kind = NEW.kind AND hour = (SELECT MIN(hour) FROM span_members WHERE kind = NEW.kind AND grp = NEW.grp AND member = NEW.member AND hour > NEW.hour) AND grp = NEW.grp AND prev_hour = IFNULL((SELECT MAX(hour) FROM span_members WHERE kind = NEW.kind AND grp = NEW.grp AND member = NEW.member AND hour < NEW.hour), '') AND n = 0;
END;
-- The reverse when a member is no longer active in an hour.
CREATE TRIGGER span_member_removed AFTER DELETE ON span_members BEGIN
    UPDATE span_points SET n = n - 1 WHERE kind = OLD.kind AND hour = OLD.hour AND grp = OLD.grp AND prev_hour = IFNULL((SELECT MAX(hour) FROM span_members WHERE kind = OLD.kind AND grp = OLD.grp AND member = OLD.member AND hour < OLD.hour), '');
    DELETE FROM span_points WHERE kind = OLD.kind AND hour = OLD.hour AND grp = OLD.grp AND prev_hour = IFNULL((SELECT MAX(hour) FROM span_members WHERE kind = OLD.kind AND grp = OLD.grp AND member = OLD.member AND hour < OLD.hour), '') AND n = 0;
    UPDATE span_points SET n = n - 1 WHERE kind = OLD.kind AND hour = (SELECT MIN(hour) FROM span_members WHERE kind = OLD.kind AND grp = OLD.grp AND member = OLD.member AND hour > OLD.hour) AND grp = OLD.grp AND prev_hour = OLD.hour;
    DELETE FROM span_points WHERE kind = OLD.kind AND hour = (SELECT MIN(hour) FROM span_members WHERE kind = OLD.kind AND grp = OLD.grp AND member = OLD.member AND hour > OLD.hour) AND grp = OLD.grp AND prev_hour = OLD.hour AND n = 0;
    INSERT INTO span_points (kind, hour, grp, prev_hour, n)
    SELECT OLD.kind, (SELECT MIN(hour) FROM span_members WHERE kind = OLD.kind AND grp = OLD.grp AND member = OLD.member AND hour > OLD.hour), OLD.grp, IFNULL((SELECT MAX(hour) FROM span_members WHERE kind = OLD.kind AND grp = OLD.grp AND member = OLD.member AND hour < OLD.hour), ''), 1 WHERE (SELECT MIN(hour) FROM span_members WHERE kind = OLD.kind AND grp = OLD.grp AND member = OLD.member AND hour > OLD.hour) IS NOT NULL
    ON CONFLICT (kind, hour, grp, prev_hour) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER lesson_completed AFTER INSERT ON lesson_progress
WHEN NEW.completed_at IS NOT NULL BEGIN
    INSERT INTO completion_changes (sign, user_id, lesson_id, hour)
    VALUES (1, NEW.user_id, NEW.lesson_id, substr(NEW.completed_at, 1, 13));
END;
CREATE TRIGGER lesson_recompleted AFTER UPDATE OF completed_at, user_id, lesson_id ON lesson_progress
WHEN OLD.completed_at IS NOT NEW.completed_at OR OLD.user_id != NEW.user_id
    OR OLD.lesson_id != NEW.lesson_id BEGIN
    INSERT INTO completion_changes (sign, user_id, lesson_id, hour)
    SELECT -1, OLD.user_id, OLD.lesson_id, substr(OLD.completed_at, 1, 13)
    WHERE OLD.completed_at IS NOT NULL;
    INSERT INTO completion_changes (sign, user_id, lesson_id, hour)
    SELECT 1, NEW.user_id, NEW.lesson_id, substr(NEW.completed_at, 1, 13)
    WHERE NEW.completed_at IS NOT NULL;
END;
CREATE TRIGGER lesson_uncompleted AFTER DELETE ON lesson_progress
WHEN OLD.completed_at IS NOT NULL BEGIN
    INSERT INTO completion_changes (sign, user_id, lesson_id, hour)
    VALUES (-1, OLD.user_id, OLD.lesson_id, substr(OLD.completed_at, 1, 13));
END;
CREATE TRIGGER completion_changes_applied AFTER INSERT ON completion_changes BEGIN
    INSERT INTO completion_hours (hour, completed) VALUES (NEW.hour, NEW.sign)
    ON CONFLICT (hour) DO UPDATE SET completed = completed + excluded.completed;
    DELETE FROM completion_hours WHERE hour = NEW.hour AND completed = 0;
    INSERT INTO span_members (kind, grp, member, hour, n)
    SELECT 'l', '', CAST(NEW.user_id AS TEXT), NEW.hour, 1 WHERE NEW.sign > 0
    ON CONFLICT (kind, grp, member, hour) DO UPDATE SET n = n + 1;
    UPDATE span_members SET n = n - 1
    WHERE NEW.sign < 0 AND kind = 'l' AND grp = '' AND member = CAST(NEW.user_id AS TEXT)
        AND hour = NEW.hour;
    DELETE FROM span_members
    WHERE kind = 'l' AND grp = '' AND member = CAST(NEW.user_id AS TEXT) AND hour = NEW.hour
        AND n = 0;
    -- The lesson's skill counted again for this user from their lessons (a handful of rows).
    DELETE FROM skill_progress WHERE user_id = NEW.user_id
        AND skill = (SELECT skill FROM lesson_skills WHERE lesson_id = NEW.lesson_id);
    INSERT INTO skill_progress (user_id, skill, done, mastered_at)
    SELECT p.user_id, k.skill, COUNT(*),
           CASE WHEN COUNT(*) = MAX(c.lessons) THEN MAX(p.completed_at) END
    FROM lesson_skills k JOIN skill_catalog c ON c.skill = k.skill
    JOIN lesson_progress p ON p.user_id = NEW.user_id AND p.lesson_id = k.lesson_id
    WHERE k.skill = (SELECT skill FROM lesson_skills WHERE lesson_id = NEW.lesson_id)
        AND p.completed_at IS NOT NULL
    GROUP BY p.user_id, k.skill;
    DELETE FROM user_mastery WHERE user_id = NEW.user_id;
    INSERT INTO user_mastery (user_id, all_at)
    SELECT NEW.user_id, MAX(mastered_at) FROM skill_progress
    WHERE user_id = NEW.user_id AND mastered_at IS NOT NULL
    HAVING COUNT(*) > 0 AND COUNT(*) = (SELECT COUNT(*) FROM skill_catalog);
    DELETE FROM completion_changes WHERE rowid = NEW.rowid;
END;
