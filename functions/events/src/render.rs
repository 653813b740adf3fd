//! The calendar view's (M7) items and their measured byte renderer: each row's JSON is rendered
//! once and copied for each of its occurrences, and only the times are written per item; the
//! test below checks it writes exactly what serializing each item with serde writes.

use std::borrow::Cow;
use std::collections::HashMap;

use shared::clock::format_ms;
use shared::db::events::{Event, OverrideFields};
use shared::db::listing::ListingRow;
use shared::domain::kinds::{EventKind, ResponseStatus};
use shared::domain::recurrence::Occurrence;

use crate::listing::{Bounds, OCCURRENCE_BYTES_CAP, OCCURRENCE_CAP};
use crate::series::occurrences_in;
use crate::shape::{Core, OccurrenceTimes, TaskJson};

/// One M7 item before rendering: a row, and for an occurrence its times and override.
pub struct ViewItem<'a> {
    pub row: usize,
    /// The start the items are sorted by (an override's `startedAt` when it moves one).
    pub start: i64,
    pub occurrence: Option<Occurrence>,
    fields: Option<&'a OverrideFields>,
}

/// The items of row `n`'s event `e`: the event itself, or its occurrences inside the bounds.
pub fn view_items<'a>(
    n: usize,
    e: &Event,
    bounds: &Bounds,
    overrides: &'a HashMap<(i64, i64), OverrideFields>,
    now: i64,
    out: &mut Vec<ViewItem<'a>>,
) {
    let (from, to) = bounds.expansion_range(now);
    let Some(list) = occurrences_in(e, from, to, OCCURRENCE_CAP + 1) else {
        if bounds.overlaps(e.started_at, e.ended_at) {
            out.push(ViewItem {
                row: n,
                start: e.started_at,
                occurrence: None,
                fields: None,
            });
        }
        return;
    };
    out.reserve(list.len());
    for &o in list.iter() {
        let fields = overrides.get(&(e.id, o.start_ms));
        let start = fields
            .and_then(|f| f.started_at.as_deref())
            .and_then(crate::input::parse_datetime)
            .unwrap_or(o.start_ms);
        out.push(ViewItem {
            row: n,
            start,
            occurrence: Some(o),
            fields,
        });
    }
}

/// A ListingItem (M7): the reference rendering, used as is for occurrences with an override.
/// Its parts are also what [`RowJson`] renders once per row.
#[derive(serde::Serialize)]
struct ListingItem<'a> {
    #[serde(flatten)]
    head: ItemHead<'a>,
    event: ListingEvent<'a>,
}

/// The item's own fields (a Participation), in the contract's order.
#[derive(Clone, Copy, serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct ItemHead<'a> {
    id: i64,
    calendar_member_id: i64,
    event_id: i64,
    color: &'a str,
    response_status: Option<ResponseStatus>,
    created_at: &'a str,
    updated_at: &'a str,
}

/// EventCore + `task` (+ the occurrence fields).
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct ListingEvent<'a> {
    #[serde(flatten)]
    head: EventHead<'a>,
    started_at: Cow<'a, str>,
    ended_at: Cow<'a, str>,
    #[serde(flatten)]
    tail: EventTail<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    recurring_event_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    original_started_at: Option<String>,
}

/// EventCore up to `category`.
#[derive(Clone, Copy, serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct EventHead<'a> {
    id: i64,
    creator_id: i64,
    calendar_id: i64,
    name: &'a str,
    description: Option<&'a str>,
    category: &'a str,
}

/// EventCore after `endedAt`, and `task`.
#[derive(Clone, Copy, serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct EventTail<'a> {
    #[serde(rename = "type")]
    kind: EventKind,
    created_at: &'a str,
    updated_at: &'a str,
    time_zone: &'a str,
    all_day: bool,
    recurrence: &'a Option<Vec<String>>,
    reminders: &'a [i64],
    task: &'a Option<TaskJson>,
}

/// The parts of a listing row shared by all of its occurrences.
pub struct RowParts {
    created_at: String,
    updated_at: String,
    task: Option<TaskJson>,
}

impl RowParts {
    pub fn new(row: &ListingRow) -> Self {
        RowParts {
            created_at: format_ms(row.p_created_at),
            updated_at: format_ms(row.p_updated_at),
            task: row.task().as_ref().map(TaskJson::from),
        }
    }
}

/// One row's rendered parts, borrowed by every item of the row.
struct Parts<'a> {
    head: ItemHead<'a>,
    event: EventHead<'a>,
    tail: EventTail<'a>,
}

impl<'a> Parts<'a> {
    fn new(row: &'a ListingRow, parts: &'a RowParts, base: &'a Core) -> Self {
        Parts {
            head: ItemHead {
                id: row.p_id,
                calendar_member_id: row.p_calendar_member_id,
                event_id: row.e.id,
                color: &row.p_color,
                response_status: row.p_response_status,
                created_at: &parts.created_at,
                updated_at: &parts.updated_at,
            },
            event: EventHead {
                id: base.id,
                creator_id: base.creator_id,
                calendar_id: base.calendar_id,
                name: &base.name,
                description: base.description.as_deref(),
                category: &base.category,
            },
            tail: EventTail {
                kind: base.kind,
                created_at: &base.created_at,
                updated_at: &base.updated_at,
                time_zone: &base.time_zone,
                all_day: base.all_day,
                recurrence: &base.recurrence,
                reminders: &base.reminders,
                task: &parts.task,
            },
        }
    }

    /// The item for `item`, with its times and override applied.
    fn item(&'a self, e: &Event, base: &'a Core, item: &'a ViewItem<'a>) -> ListingItem<'a> {
        let f = item.fields;
        let description = match f.and_then(|f| f.description.as_ref()) {
            Some(d) => d.as_deref(),
            None => self.event.description,
        };
        let (started_at, ended_at, original) = match &item.occurrence {
            None => (
                Cow::Borrowed(base.started_at.as_str()),
                Cow::Borrowed(base.ended_at.as_str()),
                None,
            ),
            Some(o) => {
                let (s, x, original) = crate::shape::occurrence_times(e, o);
                let s =
                    (f.and_then(|f| f.started_at.as_deref())).map_or(Cow::Owned(s), Cow::Borrowed);
                let x =
                    (f.and_then(|f| f.ended_at.as_deref())).map_or(Cow::Owned(x), Cow::Borrowed);
                (s, x, Some(original))
            }
        };
        let e = &self.event;
        ListingItem {
            head: self.head,
            event: ListingEvent {
                head: EventHead {
                    name: f.and_then(|f| f.name.as_deref()).unwrap_or(e.name),
                    description,
                    category: f.and_then(|f| f.category.as_deref()).unwrap_or(e.category),
                    ..*e
                },
                started_at,
                ended_at,
                tail: self.tail,
                recurring_event_id: original.as_ref().map(|_| base.id),
                original_started_at: original,
            },
        }
    }
}

/// A row's JSON, rendered once and copied for each of its items: `head` runs from the item's
/// `{` to the event's `startedAt` (exclusive), `tail` from the event's `type` to its `task`
/// (inclusive). Only the times and the occurrence fields are written per item. A month view
/// repeats a daily series thirty times, and escaping the same strings thirty times was most of
/// the time the route took.
struct RowJson {
    head: Vec<u8>,
    tail: Vec<u8>,
    /// `,"recurringEventId":<id>,"originalStartedAt":"`
    series: Vec<u8>,
}

impl RowJson {
    fn new(parts: &Parts<'_>) -> serde_json::Result<Self> {
        let mut head = vec![b'{'];
        head.extend_from_slice(&object_body(serde_json::to_vec(&parts.head)?));
        head.extend_from_slice(b",\"event\":{");
        head.extend_from_slice(&object_body(serde_json::to_vec(&parts.event)?));
        head.push(b',');
        let tail = object_body(serde_json::to_vec(&parts.tail)?);
        let series = format!(
            ",\"recurringEventId\":{},\"originalStartedAt\":\"",
            parts.event.id
        );
        Ok(RowJson {
            head,
            tail,
            series: series.into_bytes(),
        })
    }

    /// Appends a plain row's item: the same bytes as serializing [`Parts::item`].
    fn write_plain(&self, out: &mut Vec<u8>, base: &Core) -> serde_json::Result<()> {
        out.extend_from_slice(&self.head);
        out.extend_from_slice(b"\"startedAt\":");
        serde_json::to_writer(&mut *out, &base.started_at)?;
        out.extend_from_slice(b",\"endedAt\":");
        serde_json::to_writer(&mut *out, &base.ended_at)?;
        out.push(b',');
        out.extend_from_slice(&self.tail);
        out.extend_from_slice(b"}}");
        Ok(())
    }

    /// Appends an occurrence without override: the same bytes as serializing [`Parts::item`].
    /// Its times are plain ASCII ([`Stamp::write`]), written between quotes as they are.
    fn write_occurrence(&self, out: &mut Vec<u8>, t: &OccurrenceTimes) {
        out.extend_from_slice(&self.head);
        out.extend_from_slice(b"\"startedAt\":\"");
        t.start.write(out);
        out.extend_from_slice(b"\",\"endedAt\":\"");
        t.end.write(out);
        out.extend_from_slice(b"\",");
        out.extend_from_slice(&self.tail);
        out.extend_from_slice(&self.series);
        t.start.write(out);
        out.extend_from_slice(b"\"}}");
    }
}

/// `{"a":1,"b":2}` → `"a":1,"b":2` (a struct with fields serializes to a non-empty object).
fn object_body(mut json: Vec<u8>) -> Vec<u8> {
    debug_assert!(json.first() == Some(&b'{') && json.last() == Some(&b'}') && json.len() > 2);
    json.pop();
    json.remove(0);
    json
}

/// The JSON array of the items, and whether the byte budget of occurrences
/// ([`OCCURRENCE_BYTES_CAP`]) dropped some: items come sorted by start, so the earliest
/// occurrences that fit are kept, and plain events are always written.
pub fn render(
    rows: &[ListingRow],
    per_row: &[RowParts],
    bases: &[Core],
    items: &[ViewItem<'_>],
) -> serde_json::Result<(Vec<u8>, bool)> {
    let parts: Vec<Parts<'_>> = (0..rows.len())
        .map(|n| Parts::new(&rows[n], &per_row[n], &bases[n]))
        .collect();
    let json = parts
        .iter()
        .map(RowJson::new)
        .collect::<serde_json::Result<Vec<_>>>()?;
    let size: usize = items
        .iter()
        .map(|i| json[i.row].head.len() + json[i.row].tail.len() + 128)
        .sum();
    let mut out = Vec::with_capacity(size.min(OCCURRENCE_BYTES_CAP) + 2);
    let (mut occurrence_bytes, mut cut) = (0, false);
    out.push(b'[');
    for i in items {
        if cut && i.occurrence.is_some() {
            continue;
        }
        let before = out.len();
        if before > 1 {
            out.push(b',');
        }
        let (e, base, row) = (&rows[i.row].e, &bases[i.row], &json[i.row]);
        match (&i.occurrence, i.fields) {
            (None, _) => row.write_plain(&mut out, base)?,
            (Some(o), None) => row.write_occurrence(&mut out, &OccurrenceTimes::of(e, o)),
            (Some(_), Some(_)) => serde_json::to_writer(&mut out, &parts[i.row].item(e, base, i))?,
        }
        if i.occurrence.is_some() {
            occurrence_bytes += out.len() - before;
            if occurrence_bytes > OCCURRENCE_BYTES_CAP {
                out.truncate(before);
                cut = true;
            }
        }
    }
    out.push(b']');
    Ok((out, cut))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;
    use shared::db::events::EventFields;
    use shared::domain::kinds::CalendarKind;

    fn row(id: i64, all_day: bool, recurrence: Option<&str>, task: bool) -> ListingRow {
        let (start, end) = (1_748_766_600_000, 1_748_770_200_000); // 2025-06-01T08:30Z, +1 h
        ListingRow {
            p_id: 100 + id,
            p_calendar_member_id: 7,
            p_color: "#a0b1c2".into(),
            p_response_status: (id % 2 == 0).then_some(ResponseStatus::Accepted),
            p_created_at: start - 5_000,
            p_updated_at: start - 4_000,
            m_calendar_type: CalendarKind::Additional,
            m_calendar_id: 3,
            e: Event {
                id,
                calendar_id: 3,
                creator_id: 1,
                fields: EventFields {
                    name: format!("Event \"{id}\" — ünïcødé </script>\n\t\u{1}"),
                    description: (id % 3 != 0).then(|| "a \\ b \"c\" 😀".into()),
                    category: "work".into(),
                    kind: if task {
                        EventKind::Task
                    } else {
                        EventKind::Arrangement
                    },
                    started_at: start,
                    ended_at: end,
                    start_date: all_day.then(|| "2025-06-01".into()),
                    end_date: all_day.then(|| "2025-06-03".into()),
                    time_zone: "Europe/Kyiv".into(),
                    all_day,
                    recurrence: recurrence.map(|r| vec![r.to_string()]),
                    reminders: vec![10, 60],
                    color: "#123456".into(),
                    range_end: None,
                },
                version: 3,
                created_at: start - 9_000,
                updated_at: start - 8_000,
            },
            t_is_completed: task.then_some(true),
            t_priority: task.then(|| "high".into()),
            t_created_at: task.then_some(start - 7_000),
            t_updated_at: task.then_some(start - 6_000),
        }
    }

    /// The per-row fast path writes exactly what serializing each item whole writes.
    #[test]
    fn rendering_matches_the_reference_serialization() {
        let rows = vec![
            row(1, false, Some("RRULE:FREQ=DAILY;COUNT=5"), false),
            row(2, true, Some("RRULE:FREQ=WEEKLY;BYDAY=SU,TU"), true),
            row(3, false, None, true),
            row(4, true, None, false),
        ];
        let evs: Vec<&Event> = rows.iter().map(|r| &r.e).collect();
        let moved = serde_json::from_value(serde_json::json!({"name": "Moved \"one\"",
            "description": null, "startedAt": "2025-06-02T12:00:00.000Z",
            "endedAt": "2025-06-02T13:00:00.000Z"}))
        .unwrap();
        let overrides = HashMap::from([((1, 1_748_766_600_000 + 86_400_000), moved)]);
        let bounds = Bounds {
            from: Some(1_748_736_000_000),
            to: Some(1_751_327_999_000),
        };
        let mut items = Vec::new();
        for (n, e) in evs.iter().enumerate() {
            view_items(n, e, &bounds, &overrides, 0, &mut items);
        }
        // Daily ×5; SU,TU in June and Tuesday 1 July (its Kyiv midnight is 30 June 21:00Z).
        assert_eq!(items.len(), 5 + 10 + 1 + 1);
        assert_eq!(items.iter().filter(|i| i.fields.is_some()).count(), 1);
        let per_row: Vec<RowParts> = rows.iter().map(RowParts::new).collect();
        let bases: Vec<Core> = evs.iter().map(|e| Core::of(e)).collect();
        let fast = render(&rows, &per_row, &bases, &items).unwrap().0;

        let parts: Vec<Parts<'_>> = (0..rows.len())
            .map(|n| Parts::new(&rows[n], &per_row[n], &bases[n]))
            .collect();
        let whole: Vec<ListingItem<'_>> = items
            .iter()
            .map(|i| parts[i.row].item(evs[i.row], &bases[i.row], i))
            .collect();
        let reference = serde_json::to_vec(&whole).unwrap();
        assert_eq!(
            String::from_utf8(fast).unwrap(),
            String::from_utf8(reference).unwrap()
        );

        let v: Vec<Value> =
            serde_json::from_slice(&render(&rows, &per_row, &bases, &items).unwrap().0).unwrap();
        let moved = v
            .iter()
            .find(|i| i["event"]["name"] == "Moved \"one\"")
            .unwrap();
        assert_eq!(moved["event"]["description"], Value::Null);
        assert_eq!(moved["event"]["startedAt"], "2025-06-02T12:00:00.000Z");
        assert_eq!(
            moved["event"]["originalStartedAt"],
            "2025-06-02T08:30:00.000Z"
        );
        assert_eq!(v[0]["event"]["task"], Value::Null);
        let task = v.iter().find(|i| i["eventId"] == 3).unwrap();
        assert_eq!(task["event"]["task"]["priority"], "high");
        assert!(task["event"].get("recurringEventId").is_none());
    }
}
