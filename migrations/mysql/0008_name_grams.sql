-- Issue 11: the trigrams of each participation's name key (`event_name_key`), so a search by
-- name reads the postings of one rare trigram of its term instead of every listed participation
-- of the user. A trigram is three consecutive characters of the key, packed into one integer
-- (21 bits a character: `participations::name_grams`). The search still tests the whole term
-- with `LIKE` on the key; the postings only narrow what it reads.
--
-- Written with the participation and rewritten when the event's name changes, in the same
-- transaction (`db::participations`); they go with their participation (ON DELETE CASCADE).
-- The postings of the participations that exist when this migration runs are written by
-- `Db::migrate`, in Rust, right after it (recorded in `backfills` when finished).
CREATE TABLE participation_grams (
    participation_id BIGINT NOT NULL,
    gram BIGINT NOT NULL,
    calendar_member_id BIGINT NOT NULL,
    PRIMARY KEY (participation_id, gram),
    KEY participation_grams_member_gram_idx (calendar_member_id, gram, participation_id),
    CONSTRAINT participation_grams_participation_fk FOREIGN KEY (participation_id)
        REFERENCES event_participations (id) ON DELETE CASCADE
) ENGINE=InnoDB;

-- The back-fills in Rust that migrations leave (`Db::migrate`), each recorded when finished, so
-- one interrupted runs again at the next start.
CREATE TABLE backfills (
    name VARCHAR(64) NOT NULL PRIMARY KEY,
    done_at BIGINT NOT NULL
) ENGINE=InnoDB;
