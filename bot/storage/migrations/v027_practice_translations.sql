-- A good practice in both languages (issue 17): the language it was written in, and the
-- translation an admin gave of its title, what was done and result (JSON), shown to readers
-- of the other language and searched like the original. Older practices were written in the
-- bot's language of the time: Vietnamese.
ALTER TABLE practices ADD COLUMN language TEXT NOT NULL DEFAULT 'vi';
ALTER TABLE practices ADD COLUMN translation TEXT;
