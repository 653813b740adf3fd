//! The JSON shapes of events (contract 4.1): EventCore, Task, Participation, the full Event,
//! ParticipationDetail and listing items, for single events and expanded occurrences.

use serde::Serialize;
use serde_json::{Value, json};
use shared::clock::format_ms;
use shared::db::calendars::{self, Calendar, Member};
use shared::db::events::{Event, Participation, ParticipationOf, Task};
use shared::db::{Conn, reborrow, users};
use shared::domain::calendar::MemberJson;
use shared::domain::recurrence::Occurrence;
use shared::domain::user::PublicUser;
use shared::http::ApiResult;

/// One occurrence to render instead of the series' own times.
#[derive(Clone, Debug)]
pub struct OccurrenceView {
    pub occurrence: Occurrence,
    /// The override fields (`name`, `description`, `category`, `startedAt`, `endedAt`), if any.
    pub fields: Option<Value>,
}

/// EventCore (4.1), with the occurrence fields when it renders one occurrence.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Core {
    pub id: i64,
    pub creator_id: i64,
    pub calendar_id: i64,
    pub name: String,
    pub description: Option<String>,
    pub category: String,
    pub started_at: String,
    pub ended_at: String,
    #[serde(rename = "type")]
    pub event_type: String,
    pub created_at: String,
    pub updated_at: String,
    pub time_zone: String,
    pub all_day: bool,
    pub recurrence: Option<Vec<String>>,
    pub reminders: Vec<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recurring_event_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub original_started_at: Option<String>,
}

/// The recurrence lines of an event (`None` when not recurring).
pub fn lines_of(e: &Event) -> Option<Vec<String>> {
    e.recurrence
        .as_deref()
        .and_then(|r| serde_json::from_str::<Vec<String>>(r).ok())
        .filter(|l| !l.is_empty())
}

/// The `startedAt`, `endedAt` and `originalStartedAt` of an occurrence (dates when all-day).
pub fn occurrence_times(e: &Event, o: &Occurrence) -> (String, String, String) {
    let t = OccurrenceTimes::of(e, o);
    (t.start.text(), t.end.text(), t.start.text())
}

/// An occurrence's `startedAt` (also its `originalStartedAt`) and `endedAt`, not yet
/// formatted: the calendar view writes thousands of them straight into its response.
pub struct OccurrenceTimes {
    pub start: Stamp,
    pub end: Stamp,
}

/// A time as the contract writes it: an instant, or a date for all-day events.
pub enum Stamp {
    Instant(i64),
    Date(Option<chrono::NaiveDate>),
}

impl OccurrenceTimes {
    pub fn of(e: &Event, o: &Occurrence) -> Self {
        if !e.all_day {
            return OccurrenceTimes {
                start: Stamp::Instant(o.start_ms),
                end: Stamp::Instant(o.end_ms),
            };
        }
        let days = match (&e.start_date, &e.end_date) {
            (Some(s), Some(x)) => crate::input::parse_date(x)
                .zip(crate::input::parse_date(s))
                .map_or(1, |(x, s)| (x - s).num_days()),
            _ => 1,
        };
        OccurrenceTimes {
            start: Stamp::Date(o.date),
            end: Stamp::Date(o.date.map(|d| d + chrono::Duration::days(days))),
        }
    }
}

impl Stamp {
    /// Appends the text (ASCII digits and separators: nothing to escape in JSON).
    pub fn write(&self, out: &mut Vec<u8>) {
        match self {
            Stamp::Instant(ms) => shared::clock::write_ms(out, *ms),
            Stamp::Date(Some(d)) => {
                out.extend_from_slice(d.format("%Y-%m-%d").to_string().as_bytes())
            }
            Stamp::Date(None) => {}
        }
    }

    pub fn text(&self) -> String {
        let mut out = Vec::with_capacity(24);
        self.write(&mut out);
        String::from_utf8(out).unwrap_or_default()
    }
}

impl Core {
    /// The series or single event itself.
    pub fn of(e: &Event) -> Core {
        let (started_at, ended_at) = if e.all_day {
            (
                e.start_date.clone().unwrap_or_default(),
                e.end_date.clone().unwrap_or_default(),
            )
        } else {
            (format_ms(e.started_at), format_ms(e.ended_at))
        };
        Core {
            id: e.id,
            creator_id: e.creator_id,
            calendar_id: e.calendar_id,
            name: e.name.clone(),
            description: e.description.clone(),
            category: e.category.clone(),
            started_at,
            ended_at,
            event_type: e.event_type.clone(),
            created_at: format_ms(e.created_at),
            updated_at: format_ms(e.updated_at),
            time_zone: e.time_zone.clone(),
            all_day: e.all_day,
            recurrence: lines_of(e),
            reminders: serde_json::from_str(&e.reminders).unwrap_or_default(),
            recurring_event_id: None,
            original_started_at: None,
        }
    }

    /// One occurrence of a series, with its override applied.
    pub fn occurrence(e: &Event, view: &OccurrenceView) -> Core {
        Core::occurrence_of(Core::of(e), e, view)
    }

    /// Like `occurrence`, from the series' own core computed once by the caller.
    pub fn occurrence_of(base: Core, e: &Event, view: &OccurrenceView) -> Core {
        let mut core = base;
        let (started_at, ended_at, original) = occurrence_times(e, &view.occurrence);
        core.started_at = started_at;
        core.ended_at = ended_at;
        core.original_started_at = Some(original);
        core.recurring_event_id = Some(e.id);
        if let Some(Value::Object(f)) = &view.fields {
            if let Some(Value::String(n)) = f.get("name") {
                core.name = n.clone();
            }
            if let Some(d) = f.get("description") {
                core.description = d.as_str().map(str::to_string);
            }
            if let Some(Value::String(c)) = f.get("category") {
                core.category = c.clone();
            }
            if let Some(Value::String(s)) = f.get("startedAt") {
                core.started_at = s.clone();
            }
            if let Some(Value::String(s)) = f.get("endedAt") {
                core.ended_at = s.clone();
            }
        }
        core
    }
}

/// The Task object.
pub fn task_json(t: &Task) -> Value {
    json!({"eventId": t.event_id, "isCompleted": t.is_completed, "priority": t.priority,
        "createdAt": format_ms(t.created_at), "updatedAt": format_ms(t.updated_at)})
}

/// The Participation object.
pub fn participation_json(p: &Participation) -> serde_json::Map<String, Value> {
    let v = json!({"id": p.id, "calendarMemberId": p.calendar_member_id, "eventId": p.event_id,
        "color": p.color, "responseStatus": p.response_status,
        "createdAt": format_ms(p.created_at), "updatedAt": format_ms(p.updated_at)});
    match v {
        Value::Object(m) => m,
        _ => serde_json::Map::new(),
    }
}

/// Loads a membership with its user and calendar for embedding.
async fn member_with(mut conn: Conn<'_>, member_id: i64, with_calendar: bool) -> ApiResult<Value> {
    let m: Option<Member> = calendars::find_member_by_id(reborrow(&mut conn), member_id).await?;
    let Some(m) = m else { return Ok(Value::Null) };
    let user = users::find_by_id(reborrow(&mut conn), m.user_id).await?;
    let mut v = serde_json::to_value(MemberJson::from(&m)).unwrap_or(Value::Null);
    v["user"] = user.as_ref().map_or(Value::Null, |u| {
        serde_json::to_value(PublicUser::from(u)).unwrap_or(Value::Null)
    });
    if with_calendar {
        let cal: Option<Calendar> =
            calendars::find_by_id(reborrow(&mut conn), m.calendar_id).await?;
        v["calendar"] = cal.map_or(Value::Null, |c| {
            serde_json::to_value(shared::domain::calendar::CalendarJson::from(&c))
                .unwrap_or(Value::Null)
        });
    }
    Ok(v)
}

/// Orders participations (contract 4.1): a caller with no participation in the home calendar
/// (an invitee from outside it) sees their own first; then the home calendar's (the caller's,
/// then the creator's, then by id); then the rest by id. So `participations[0]` is always in a
/// calendar the caller may list with M7, which the frontend reloads after an RSVP.
pub fn order_participations(e: &Event, parts: &mut [ParticipationOf], caller: i64) {
    let home = |p: &ParticipationOf| p.m_calendar_id == e.calendar_id;
    let outsider = !parts.iter().any(|p| home(p) && p.m_user_id == caller);
    parts.sort_by_key(|p| {
        let rank = if outsider && p.m_user_id == caller {
            0
        } else if !home(p) {
            4
        } else if p.m_user_id == caller {
            1
        } else if p.m_user_id == e.creator_id {
            2
        } else {
            3
        };
        (rank, p.p.id)
    });
}

/// The full Event (E1, E2, E3, E5), optionally rendering one occurrence.
pub async fn full_event(
    mut conn: Conn<'_>,
    e: &Event,
    caller: i64,
    view: Option<&OccurrenceView>,
) -> ApiResult<Value> {
    let core = match view {
        Some(v) => Core::occurrence(e, v),
        None => Core::of(e),
    };
    let mut out = serde_json::to_value(&core).unwrap_or(Value::Null);
    let creator = users::find_by_id(reborrow(&mut conn), e.creator_id).await?;
    out["creator"] = creator.as_ref().map_or(Value::Null, |u| {
        serde_json::to_value(PublicUser::from(u)).unwrap_or(Value::Null)
    });
    let task = shared::db::events::find_task(reborrow(&mut conn), e.id).await?;
    out["task"] = task.as_ref().map_or(Value::Null, task_json);
    let mut parts = shared::db::events::participations_of_event(reborrow(&mut conn), e.id).await?;
    order_participations(e, &mut parts, caller);
    let mut list = Vec::new();
    for p in &parts {
        let mut m = participation_json(&p.p);
        m.insert(
            "calendarMember".into(),
            member_with(reborrow(&mut conn), p.p.calendar_member_id, true).await?,
        );
        list.push(Value::Object(m));
    }
    out["participations"] = Value::Array(list);
    Ok(out)
}

/// ParticipationDetail (P1, P2, P3, P5): Participation + calendarMember (with user) + event.
pub async fn participation_detail(
    mut conn: Conn<'_>,
    p: &Participation,
    e: &Event,
) -> ApiResult<Value> {
    let mut m = participation_json(p);
    m.insert(
        "calendarMember".into(),
        member_with(reborrow(&mut conn), p.calendar_member_id, false).await?,
    );
    m.insert(
        "event".into(),
        serde_json::to_value(Core::of(e)).unwrap_or(Value::Null),
    );
    Ok(Value::Object(m))
}
