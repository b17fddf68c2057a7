-- Reports count lessons completed in a period across the province.
CREATE INDEX lesson_progress_by_completion ON lesson_progress (completed_at, user_id)
    WHERE completed_at IS NOT NULL;
CREATE INDEX users_by_created ON users (created_at);
