-- The live visits' household keys become the keyed hash too (v018 did the frozen copies):
-- "commune|hamlet|name" folded was the household's name, copied into the summaries. The same
-- household still gives the same value, so visits are matched and households counted as
-- before; the label itself stays only in visits.household. The core hashes new keys the same
-- way (bot/core/visits/rules.py household_key). A deleted visit's key ("deleted:<id>") stays.
--
-- The triggers that react to a changed key would take this for visits moving to another
-- household: they are dropped while the keys change and created again exactly as they were.
DROP TRIGGER visits_recounted;
DROP TRIGGER first_visit_replaced;
DROP TRIGGER follow_up_replaced;
UPDATE visits SET household_key = keyed_hash(
    (SELECT value FROM secrets WHERE name = 'household'), household_key)
WHERE household_key NOT LIKE 'deleted:%';
-- The summaries' copies of the keys (households per commune 'c' and per team 't').
UPDATE span_members SET member = keyed_hash(
    (SELECT value FROM secrets WHERE name = 'household'), member)
WHERE kind IN ('c', 't');
UPDATE visit_changes SET household_key = keyed_hash(
    (SELECT value FROM secrets WHERE name = 'household'), household_key);
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
CREATE TRIGGER first_visit_replaced AFTER UPDATE OF deleted_at, household_key, follow_up_of
ON visits
WHEN OLD.deleted_at IS NULL AND OLD.follow_up_of IS NULL AND (NEW.deleted_at IS NOT NULL
    OR NEW.household_key IS NOT OLD.household_key OR NEW.follow_up_of IS NOT NULL) BEGIN
    UPDATE visits SET follow_up_of = NULL
    WHERE id = (SELECT n.id FROM visits n
                WHERE n.household_key = OLD.household_key AND n.deleted_at IS NULL
                    AND n.id != OLD.id
                ORDER BY n.visited_at, n.id LIMIT 1)
        AND NOT EXISTS (SELECT 1 FROM visits f
                        WHERE f.household_key = OLD.household_key AND f.deleted_at IS NULL
                            AND f.follow_up_of IS NULL AND f.id != OLD.id);
    UPDATE visits SET follow_up_of = (
            SELECT f.id FROM visits f
            WHERE f.household_key = OLD.household_key AND f.deleted_at IS NULL
                AND f.follow_up_of IS NULL AND f.id != OLD.id
            ORDER BY f.visited_at, f.id LIMIT 1)
    WHERE follow_up_of = OLD.id AND deleted_at IS NULL AND household_key = OLD.household_key
        AND id != OLD.id;
END;
CREATE TRIGGER follow_up_replaced AFTER UPDATE OF deleted_at, household_key ON visits
WHEN OLD.deleted_at IS NULL AND OLD.follow_up_of IS NOT NULL AND (NEW.deleted_at IS NOT NULL
    OR NEW.household_key IS NOT OLD.household_key) BEGIN
    UPDATE visits SET follow_up_of = OLD.follow_up_of
    WHERE follow_up_of = OLD.id AND deleted_at IS NULL AND household_key = OLD.household_key
        AND id != OLD.id;
END;
