-- A household counts (households, people) through its first visit, the one that is not a
-- follow-up (follow_up_of IS NULL). When that visit stops standing for the household (it is
-- deleted, moved to another household by an edit, or made a follow-up), the household's
-- earliest visit left becomes its first, in the same transaction, unless another first visit
-- of it still stands; v006's triggers then count the household and its people there. Without
-- this, deleting a first visit took the household out of every report although a follow-up
-- remained ("0 households · 1 visit"). Frozen campaigns (frozen_visits) are copies and keep
-- their figures. bot/storage/visits.py next_first answers the same question for the prompt.

-- Households that already lost their first visit get it back, through v006's triggers.
UPDATE visits SET follow_up_of = NULL
WHERE id IN (
    SELECT (SELECT n.id FROM visits n
            WHERE n.household_key = k.household_key AND n.deleted_at IS NULL
            ORDER BY n.visited_at, n.id LIMIT 1)
    FROM (SELECT household_key FROM visits WHERE deleted_at IS NULL
          GROUP BY household_key HAVING SUM(follow_up_of IS NULL) = 0) k);

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
END;
CREATE TRIGGER first_visit_removed AFTER DELETE ON visits
WHEN OLD.deleted_at IS NULL AND OLD.follow_up_of IS NULL BEGIN
    UPDATE visits SET follow_up_of = NULL
    WHERE id = (SELECT n.id FROM visits n
                WHERE n.household_key = OLD.household_key AND n.deleted_at IS NULL
                ORDER BY n.visited_at, n.id LIMIT 1)
        AND NOT EXISTS (SELECT 1 FROM visits f
                        WHERE f.household_key = OLD.household_key AND f.deleted_at IS NULL
                            AND f.follow_up_of IS NULL);
END;
