-- The leaderboard's volunteers from the summaries (issue 17: the ranking read every visit of
-- a running campaign, 390 ms at a province's scale): the households of each volunteer are span
-- members of kind 'v' (grp: the volunteer's id as text, '' for none), exact over any range of
-- hours like the communes' ('c') and teams' ('t'). visit_changes learns the volunteer, and
-- the four triggers that fill and apply it are made again with it: as v006 made them (v019
-- made visits_recounted again unchanged), plus the volunteer, and visits_recounted also reacts
-- to a visit changing volunteer (/link moves visits, /deleteme empties the id).
ALTER TABLE visit_changes ADD COLUMN volunteer TEXT NOT NULL DEFAULT '';
DROP TRIGGER visits_counted;
DROP TRIGGER visits_recounted;
DROP TRIGGER visits_uncounted;
DROP TRIGGER visit_changes_applied;
CREATE TRIGGER visits_counted AFTER INSERT ON visits WHEN NEW.deleted_at IS NULL BEGIN
    INSERT INTO visit_changes (sign, hour, commune_code, team, volunteer, household_key, first, people,
        s_public_services, s_shopping, s_payment, s_cyber_safety,
        s_other_platforms, o_vneid_level2, o_public_service, o_payment_account,
        o_biometrics, o_first_payment, o_two_factor, o_scam_talk)
    VALUES (1, substr(NEW.visited_at, 1, 13), NEW.commune_code, IFNULL(CAST(NEW.team_id AS TEXT), ''),
        IFNULL(CAST(NEW.volunteer_id AS TEXT), ''),
        NEW.household_key, NEW.follow_up_of IS NULL, NEW.people,
        NEW.s_public_services, NEW.s_shopping, NEW.s_payment, NEW.s_cyber_safety,
        NEW.s_other_platforms, NEW.o_vneid_level2, NEW.o_public_service, NEW.o_payment_account,
        NEW.o_biometrics, NEW.o_first_payment, NEW.o_two_factor, NEW.o_scam_talk);
END;
CREATE TRIGGER visits_recounted AFTER UPDATE OF commune_code, team_id, volunteer_id, household_key, people, follow_up_of, visited_at, deleted_at,
        s_public_services, s_shopping, s_payment, s_cyber_safety,
        s_other_platforms, o_vneid_level2, o_public_service, o_payment_account,
        o_biometrics, o_first_payment, o_two_factor, o_scam_talk ON visits BEGIN
    INSERT INTO visit_changes (sign, hour, commune_code, team, volunteer, household_key, first, people,
        s_public_services, s_shopping, s_payment, s_cyber_safety,
        s_other_platforms, o_vneid_level2, o_public_service, o_payment_account,
        o_biometrics, o_first_payment, o_two_factor, o_scam_talk)
    SELECT -1, substr(OLD.visited_at, 1, 13), OLD.commune_code, IFNULL(CAST(OLD.team_id AS TEXT), ''),
        IFNULL(CAST(OLD.volunteer_id AS TEXT), ''),
        OLD.household_key, OLD.follow_up_of IS NULL, OLD.people,
        OLD.s_public_services, OLD.s_shopping, OLD.s_payment, OLD.s_cyber_safety,
        OLD.s_other_platforms, OLD.o_vneid_level2, OLD.o_public_service, OLD.o_payment_account,
        OLD.o_biometrics, OLD.o_first_payment, OLD.o_two_factor, OLD.o_scam_talk
    WHERE OLD.deleted_at IS NULL;
    INSERT INTO visit_changes (sign, hour, commune_code, team, volunteer, household_key, first, people,
        s_public_services, s_shopping, s_payment, s_cyber_safety,
        s_other_platforms, o_vneid_level2, o_public_service, o_payment_account,
        o_biometrics, o_first_payment, o_two_factor, o_scam_talk)
    SELECT 1, substr(NEW.visited_at, 1, 13), NEW.commune_code, IFNULL(CAST(NEW.team_id AS TEXT), ''),
        IFNULL(CAST(NEW.volunteer_id AS TEXT), ''),
        NEW.household_key, NEW.follow_up_of IS NULL, NEW.people,
        NEW.s_public_services, NEW.s_shopping, NEW.s_payment, NEW.s_cyber_safety,
        NEW.s_other_platforms, NEW.o_vneid_level2, NEW.o_public_service, NEW.o_payment_account,
        NEW.o_biometrics, NEW.o_first_payment, NEW.o_two_factor, NEW.o_scam_talk
    WHERE NEW.deleted_at IS NULL;
END;
CREATE TRIGGER visits_uncounted AFTER DELETE ON visits WHEN OLD.deleted_at IS NULL BEGIN
    INSERT INTO visit_changes (sign, hour, commune_code, team, volunteer, household_key, first, people,
        s_public_services, s_shopping, s_payment, s_cyber_safety,
        s_other_platforms, o_vneid_level2, o_public_service, o_payment_account,
        o_biometrics, o_first_payment, o_two_factor, o_scam_talk)
    VALUES (-1, substr(OLD.visited_at, 1, 13), OLD.commune_code, IFNULL(CAST(OLD.team_id AS TEXT), ''),
        IFNULL(CAST(OLD.volunteer_id AS TEXT), ''),
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
    INSERT INTO span_members (kind, grp, member, hour, n)
    SELECT 'v', NEW.volunteer, NEW.household_key, NEW.hour, 1 WHERE NEW.first AND NEW.sign > 0
    ON CONFLICT (kind, grp, member, hour) DO UPDATE SET n = n + 1;
    UPDATE span_members SET n = n - 1 WHERE NEW.first AND NEW.sign < 0 AND kind = 'v' AND grp = NEW.volunteer AND member = NEW.household_key AND hour = NEW.hour;
    DELETE FROM span_members WHERE kind = 'v' AND grp = NEW.volunteer AND member = NEW.household_key AND hour = NEW.hour AND n = 0;
    DELETE FROM visit_changes WHERE rowid = NEW.rowid;
END;
-- The visits already there; the trigger on span_members makes each member's points.
INSERT INTO span_members (kind, grp, member, hour, n)
SELECT 'v', IFNULL(CAST(volunteer_id AS TEXT), ''), household_key, substr(visited_at, 1, 13),
       COUNT(*)
FROM visits WHERE deleted_at IS NULL AND follow_up_of IS NULL GROUP BY 2, 3, 4;
