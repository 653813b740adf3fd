//! The calendar and membership objects (4.1); kinds and roles are in [`super::kinds`].

use serde::Serialize;

use crate::clock::format_ms;
use crate::db::calendars::{Calendar, Member};
use crate::domain::kinds::{CalendarKind, Role};

/// The Calendar object.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CalendarJson {
    pub id: i64,
    pub creator_id: i64,
    pub name: String,
    pub description: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&Calendar> for CalendarJson {
    fn from(c: &Calendar) -> Self {
        CalendarJson {
            id: c.id,
            creator_id: c.creator_id,
            name: c.name.clone(),
            description: c.description.clone(),
            created_at: format_ms(c.created_at),
            updated_at: format_ms(c.updated_at),
        }
    }
}

/// The CalendarMember object, optionally with `calendar` embedded.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MemberJson {
    pub id: i64,
    pub user_id: i64,
    pub calendar_id: i64,
    pub calendar_type: CalendarKind,
    pub is_visible: bool,
    pub role: Role,
    pub color: String,
    pub is_confirmed: bool,
    pub created_at: String,
    pub updated_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub calendar: Option<CalendarJson>,
}

impl From<&Member> for MemberJson {
    fn from(m: &Member) -> Self {
        MemberJson {
            id: m.id,
            user_id: m.user_id,
            calendar_id: m.calendar_id,
            calendar_type: m.calendar_type,
            is_visible: m.is_visible,
            role: m.role,
            color: m.color.clone(),
            is_confirmed: m.is_confirmed,
            created_at: format_ms(m.created_at),
            updated_at: format_ms(m.updated_at),
            calendar: None,
        }
    }
}

impl MemberJson {
    /// Embeds the calendar.
    pub fn with_calendar(mut self, c: &Calendar) -> Self {
        self.calendar = Some(c.into());
        self
    }
}
