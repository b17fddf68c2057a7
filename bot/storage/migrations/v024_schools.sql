-- Schools and classes (issue 17): a teacher's /newclass gives a class code; students /join it
-- and learn as usual; the teacher sees their class's progress, admins every school's. Students
-- are often under 16: a class keeps a number per student and, only when the teacher wants
-- names, the name the student chose; nothing else about them (their progress is the usual
-- lesson_progress). /deleteme cascades from users.
CREATE TABLE schools (
    id           INTEGER PRIMARY KEY,
    commune_code TEXT    NOT NULL,
    name         TEXT    NOT NULL,
    folded       TEXT    NOT NULL,              -- the name without accents or case: one school
    created_at   TEXT    NOT NULL,
    UNIQUE (commune_code, folded)
);
CREATE TABLE classes (
    id          INTEGER PRIMARY KEY,
    school_id   INTEGER NOT NULL REFERENCES schools (id),
    name        TEXT    NOT NULL,               -- "8A"
    join_code   TEXT    NOT NULL UNIQUE,        -- never equal to a team's (checked on creation)
    teacher_id  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    uses_names  INTEGER NOT NULL DEFAULT 1 CHECK (uses_names IN (0, 1)),
    next_number INTEGER NOT NULL DEFAULT 1,     -- the number the next student gets
    created_at  TEXT    NOT NULL
);
CREATE INDEX classes_by_teacher ON classes (teacher_id) WHERE teacher_id IS NOT NULL;
CREATE INDEX classes_by_school ON classes (school_id);
-- A student is in one class at a time; joining another moves them.
CREATE TABLE class_students (
    user_id      INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    class_id     INTEGER NOT NULL REFERENCES classes (id) ON DELETE CASCADE,
    number       INTEGER NOT NULL,              -- their number in the class, never reused
    display_name TEXT,                          -- only in a class that uses names
    joined_at    TEXT    NOT NULL,
    UNIQUE (class_id, number)
);
CREATE INDEX class_students_by_class ON class_students (class_id);
-- /join looks a code up among teams, then classes: a code belongs to one of them only.
CREATE TRIGGER classes_code_not_a_teams BEFORE INSERT ON classes
WHEN EXISTS (SELECT 1 FROM teams WHERE join_code = NEW.join_code)
BEGIN SELECT RAISE(ABORT, 'join code taken by a team'); END;
CREATE TRIGGER classes_new_code_not_a_teams BEFORE UPDATE OF join_code ON classes
WHEN EXISTS (SELECT 1 FROM teams WHERE join_code = NEW.join_code)
BEGIN SELECT RAISE(ABORT, 'join code taken by a team'); END;
CREATE TRIGGER teams_code_not_a_class BEFORE INSERT ON teams
WHEN EXISTS (SELECT 1 FROM classes WHERE join_code = NEW.join_code)
BEGIN SELECT RAISE(ABORT, 'join code taken by a class'); END;
CREATE TRIGGER teams_new_code_not_a_class BEFORE UPDATE OF join_code ON teams
WHEN EXISTS (SELECT 1 FROM classes WHERE join_code = NEW.join_code)
BEGIN SELECT RAISE(ABORT, 'join code taken by a class'); END;
