//! The JSON shapes of events (contract 4.1): EventCore, Task, Participation, the full Event,
//! ParticipationDetail and search items, as serde structs, for single events and expanded
//! occurrences. (M7's measured byte renderer is in `render`.)

use serde::Serialize;
use shared::clock::format_ms;
use shared::db::Connection;
use shared::db::events::{Event, EventFields, OverrideFields, Task};
use shared::db::participations::{self, Participation, ParticipationDetail};
use shared::db::users::{self, User};
use shared::domain::calendar::{CalendarJson, MemberJson};
use shared::domain::kinds::{EventKind, ResponseStatus};
use shared::domain::recurrence::Occurrence;
use shared::domain::user::PublicUser;
use shared::http::ApiResult;

/// One occurrence to render instead of the series' own times.
#[derive(Clone, Debug)]
pub struct OccurrenceView {
    pub occurrence: Occurrence,
    /// The occurrence's override, if any.
    pub fields: Option<OverrideFields>,
}

/// EventCore (4.1), with the occurrence fields when it renders one occurrence, and the
/// `calendarMemberId` of a search item.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Core {
    pub id: i64,
    pub creator_id: i64,
    pub calendar_id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub calendar_member_id: Option<i64>,
    pub name: String,
    pub description: Option<String>,
    pub category: String,
    pub started_at: String,
    pub ended_at: String,
    #[serde(rename = "type")]
    pub kind: EventKind,
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

/// The `startedAt`, `endedAt` and `originalStartedAt` of an occurrence (dates when all-day).
pub fn occurrence_times(e: &EventFields, o: &Occurrence) -> (String, String, String) {
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
    pub fn of(e: &EventFields, o: &Occurrence) -> Self {
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
        use std::io::Write;
        match self {
            Stamp::Instant(ms) => shared::clock::write_ms(out, *ms),
            // Writing to a Vec cannot fail.
            Stamp::Date(Some(d)) => drop(write!(out, "{d}")),
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
            calendar_member_id: None,
            name: e.name.clone(),
            description: e.description.clone(),
            category: e.category.clone(),
            started_at,
            ended_at,
            kind: e.kind,
            created_at: format_ms(e.created_at),
            updated_at: format_ms(e.updated_at),
            time_zone: e.time_zone.clone(),
            all_day: e.all_day,
            recurrence: e.lines().map(<[String]>::to_vec),
            reminders: e.reminders.clone(),
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
        if let Some(f) = &view.fields {
            let f = f.clone();
            core.name = f.name.unwrap_or(core.name);
            core.description = f.description.unwrap_or(core.description);
            core.category = f.category.unwrap_or(core.category);
            core.started_at = f.started_at.unwrap_or(core.started_at);
            core.ended_at = f.ended_at.unwrap_or(core.ended_at);
        }
        core
    }
}

/// The Task object.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskJson {
    event_id: i64,
    is_completed: bool,
    priority: Option<String>,
    created_at: String,
    updated_at: String,
}

impl From<&Task> for TaskJson {
    fn from(t: &Task) -> Self {
        TaskJson {
            event_id: t.event_id,
            is_completed: t.is_completed,
            priority: t.priority.clone(),
            created_at: format_ms(t.created_at),
            updated_at: format_ms(t.updated_at),
        }
    }
}

/// The Participation object.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ParticipationJson {
    id: i64,
    calendar_member_id: i64,
    event_id: i64,
    color: String,
    response_status: Option<ResponseStatus>,
    created_at: String,
    updated_at: String,
}

impl From<&Participation> for ParticipationJson {
    fn from(p: &Participation) -> Self {
        ParticipationJson {
            id: p.id,
            calendar_member_id: p.calendar_member_id,
            event_id: p.event_id,
            color: p.color.clone(),
            response_status: p.response_status,
            created_at: format_ms(p.created_at),
            updated_at: format_ms(p.updated_at),
        }
    }
}

/// A CalendarMember with its user, and its calendar in the full Event.
#[derive(Clone, Debug, Serialize)]
struct MemberEmbed {
    #[serde(flatten)]
    member: MemberJson,
    user: PublicUser,
    #[serde(skip_serializing_if = "Option::is_none")]
    calendar: Option<CalendarJson>,
}

/// A participation of the full Event: Participation + `calendarMember`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct EventParticipation {
    #[serde(flatten)]
    participation: ParticipationJson,
    calendar_member: MemberEmbed,
}

impl EventParticipation {
    fn of(d: &ParticipationDetail, with_calendar: bool) -> Self {
        EventParticipation {
            participation: (&d.of.p).into(),
            calendar_member: MemberEmbed {
                member: (&d.member()).into(),
                user: (&d.user).into(),
                calendar: with_calendar.then(|| (&d.calendar()).into()),
            },
        }
    }
}

/// The full Event (E1, E2, E3, E5).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FullEvent {
    #[serde(flatten)]
    core: Core,
    creator: Option<PublicUser>,
    task: Option<TaskJson>,
    participations: Vec<EventParticipation>,
}

/// ParticipationDetail (P1, P2, P3, P5): Participation + calendarMember (with user) + event.
#[derive(Clone, Debug, Serialize)]
pub struct ParticipationDetailJson {
    #[serde(flatten)]
    inner: EventParticipation,
    event: Core,
}

/// Orders participations (contract 4.1): a caller with no participation in the home calendar
/// (an invitee from outside it) sees their own first; then the home calendar's (the caller's,
/// then the creator's, then by id); then the rest by id. So `participations[0]` is always in a
/// calendar the caller may list with M7, which the frontend reloads after an RSVP.
pub fn order_participations(e: &Event, parts: &mut [ParticipationDetail], caller: i64) {
    let home = |p: &ParticipationDetail| p.of.m_calendar_id == e.calendar_id;
    let outsider = !parts.iter().any(|p| home(p) && p.of.m_user_id == caller);
    parts.sort_by_key(|p| {
        let rank = if outsider && p.of.m_user_id == caller {
            0
        } else if !home(p) {
            4
        } else if p.of.m_user_id == caller {
            1
        } else if p.of.m_user_id == e.creator_id {
            2
        } else {
            3
        };
        (rank, p.of.p.id)
    });
}

/// The full Event, optionally rendering one occurrence: three queries whatever the number of
/// participations (two for [`full_event_by`]).
pub async fn full_event(
    mut conn: impl Connection,
    e: &Event,
    caller: i64,
    view: Option<&OccurrenceView>,
) -> ApiResult<FullEvent> {
    let creator = users::find_by_id(&mut conn, e.creator_id).await?;
    full_event_of(conn, e, caller, view, creator.as_ref()).await
}

/// As [`full_event`] for `e`'s creator as the caller (E2), whose row the request has read.
pub async fn full_event_by(
    conn: impl Connection,
    e: &Event,
    creator: &User,
    view: Option<&OccurrenceView>,
) -> ApiResult<FullEvent> {
    debug_assert_eq!(e.creator_id, creator.id, "the event's creator");
    full_event_of(conn, e, creator.id, view, Some(creator)).await
}

/// [`full_event`] with its creator's row (none: the creator is gone).
async fn full_event_of(
    mut conn: impl Connection,
    e: &Event,
    caller: i64,
    view: Option<&OccurrenceView>,
    creator: Option<&User>,
) -> ApiResult<FullEvent> {
    let core = match view {
        Some(v) => Core::occurrence(e, v),
        None => Core::of(e),
    };
    let task = shared::db::events::find_task(&mut conn, e.id).await?;
    let mut parts = participations::details_of_event(&mut conn, e.id).await?;
    order_participations(e, &mut parts, caller);
    Ok(FullEvent {
        core,
        creator: creator.map(PublicUser::from),
        task: task.as_ref().map(TaskJson::from),
        participations: parts
            .iter()
            .map(|d| EventParticipation::of(d, true))
            .collect(),
    })
}

/// ParticipationDetail of participation `id` of event `e`, or 404.
pub async fn participation_detail(
    conn: impl Connection,
    id: i64,
    e: &Event,
) -> ApiResult<ParticipationDetailJson> {
    let d = participations::find_detail(conn, id)
        .await?
        .ok_or_else(|| shared::http::ApiError::not_found(crate::participations::NOT_FOUND))?;
    Ok(ParticipationDetailJson {
        inner: EventParticipation::of(&d, false),
        event: Core::of(e),
    })
}
