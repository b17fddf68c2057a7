-- A follow-up points at the visit it follows (follow_up_of), and exports show that number.
-- When that visit stops standing for the household (deleted, or moved to another household by
-- an edit), its follow-ups pointed at a visit that no longer counts: "follow-up of visit #1"
-- with #1 deleted. Now, in the same transaction, they follow what it followed: the visit
-- before it, or the household's new first visit (v009) when it was the first. Counting is
-- unchanged: it looks only at which visits are first (follow_up_of IS NULL).

-- Follow-ups of a deleted visit follow its nearest visit still standing (or else the
-- household's first; with neither, they are the household's only visits left, and first).
UPDATE visits SET follow_up_of = COALESCE(
    (WITH RECURSIVE earlier(id, deleted_at, follow_up_of) AS (
         SELECT p.id, p.deleted_at, p.follow_up_of FROM visits p WHERE p.id = visits.follow_up_of
         UNION ALL
         SELECT q.id, q.deleted_at, q.follow_up_of FROM earlier JOIN visits q
             ON q.id = earlier.follow_up_of
         WHERE earlier.deleted_at IS NOT NULL)
     SELECT id FROM earlier WHERE deleted_at IS NULL LIMIT 1),
    (SELECT f.id FROM visits f
     WHERE f.household_key = visits.household_key AND f.deleted_at IS NULL
         AND f.follow_up_of IS NULL AND f.id != visits.id
     ORDER BY f.visited_at, f.id LIMIT 1))
WHERE deleted_at IS NULL
    AND follow_up_of IN (SELECT id FROM visits WHERE deleted_at IS NOT NULL);

-- A first visit replaced (v009's trigger, extended): its follow-ups follow the new first.
DROP TRIGGER first_visit_replaced;
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

-- A follow-up deleted or moved: its own follow-ups follow the visit it followed.
CREATE TRIGGER follow_up_replaced AFTER UPDATE OF deleted_at, household_key ON visits
WHEN OLD.deleted_at IS NULL AND OLD.follow_up_of IS NOT NULL AND (NEW.deleted_at IS NOT NULL
    OR NEW.household_key IS NOT OLD.household_key) BEGIN
    UPDATE visits SET follow_up_of = OLD.follow_up_of
    WHERE follow_up_of = OLD.id AND deleted_at IS NULL AND household_key = OLD.household_key
        AND id != OLD.id;
END;
