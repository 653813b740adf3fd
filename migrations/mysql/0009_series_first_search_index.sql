-- Issue 11: the search index leads with whether the event is a series, after the membership.
-- A search with dates matches series in Rust and asks SQL only for the series that may match
-- (`listing::series_candidates`): it now reads the membership's series alone, not every
-- participation. The other searches read both ranges of a membership and sort the keys in
-- Rust, as before (they never relied on the index order).
ALTER TABLE event_participations
    DROP INDEX event_participations_search_idx,
    ADD INDEX event_participations_search_idx
        (calendar_member_id, event_recurring, event_created_at, event_id, event_type,
         event_started_at, event_range_end, response_status, event_name_key);
