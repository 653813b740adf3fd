-- Issue 11: the name trigrams of migrations/mysql/0008_name_grams.sql (see there).
CREATE TABLE participation_grams (
    participation_id INTEGER NOT NULL REFERENCES event_participations (id) ON DELETE CASCADE,
    gram INTEGER NOT NULL,
    calendar_member_id INTEGER NOT NULL,
    PRIMARY KEY (participation_id, gram)
) WITHOUT ROWID;
CREATE INDEX participation_grams_member_gram_idx ON participation_grams
    (calendar_member_id, gram, participation_id);

-- The back-fills in Rust that migrations leave (`Db::migrate`), each recorded when finished, so
-- one interrupted runs again at the next start.
CREATE TABLE backfills (
    name TEXT NOT NULL PRIMARY KEY,
    done_at INTEGER NOT NULL
);
