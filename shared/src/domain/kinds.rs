//! The model's closed sets of words, as enums with the contract's spellings: event kinds,
//! membership roles, calendar kinds and response statuses. The permission rules of 2 and 4.8.2
//! are methods on [`Role`], so they are written once.
//!
//! Each enum is an sqlx type stored as its word (a text column on both engines): it binds as
//! `.bind(kind)` and decodes straight from its column, a stored word it does not know being a
//! decode error. Why not `#[sqlx(try_from = "String")]` on each field: a nullable column
//! (`response_status`) would need `TryFrom<Option<String>> for Option<ResponseStatus>`, which
//! Rust's orphan rule forbids; one `Decode` serves plain and `Option` fields alike.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Declares an enum of words: `as_str`, `ALL` (for `one_of` validation), `FromStr`,
/// `TryFrom<String>` (what sqlx's `try_from` decodes through) and `Display`.
macro_rules! words {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "lowercase", try_from = "String")]
        pub enum $name {
            $($variant),+
        }

        impl Word for $name {
            const ALL: &'static [&'static str] = &[$($text),+];
        }

        impl $name {
            /// Every spelling, in declaration order.
            pub const ALL: &'static [&'static str] = <$name as Word>::ALL;

            /// The contract's spelling (and the stored one).
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = UnknownWord;

            fn from_str(s: &str) -> Result<Self, UnknownWord> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err(UnknownWord { kind: stringify!($name), word: s.to_owned() }),
                }
            }
        }

        impl TryFrom<String> for $name {
            type Error = UnknownWord;

            fn try_from(s: String) -> Result<Self, UnknownWord> {
                s.parse()
            }
        }

        impl<DB: sqlx::Database> sqlx::Type<DB> for $name
        where
            String: sqlx::Type<DB>,
        {
            fn type_info() -> DB::TypeInfo {
                <String as sqlx::Type<DB>>::type_info()
            }

            fn compatible(ty: &DB::TypeInfo) -> bool {
                <String as sqlx::Type<DB>>::compatible(ty)
            }
        }

        impl<'r, DB: sqlx::Database> sqlx::Decode<'r, DB> for $name
        where
            String: sqlx::Decode<'r, DB>,
        {
            fn decode(value: DB::ValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
                Ok(<String as sqlx::Decode<'r, DB>>::decode(value)?.parse()?)
            }
        }

        // Through `String`: sqlx encodes `&'q str` only for the query's own lifetime 'q.
        impl<'q, DB: sqlx::Database> sqlx::Encode<'q, DB> for $name
        where
            String: sqlx::Encode<'q, DB>,
        {
            fn encode_by_ref(
                &self,
                buf: &mut DB::ArgumentBuffer<'q>,
            ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                <String as sqlx::Encode<'q, DB>>::encode(self.as_str().to_owned(), buf)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

/// An enum of words (see the module): what the validator's `word()` rule parses into.
pub trait Word: std::str::FromStr + Copy {
    /// Every spelling, in declaration order.
    const ALL: &'static [&'static str];
}

/// A stored or sent word that is not one of its enum's spellings.
#[derive(Debug, thiserror::Error)]
#[error("{word:?} is not a {kind}")]
pub struct UnknownWord {
    kind: &'static str,
    word: String,
}

words! {
    /// An event's `type`.
    EventKind { Arrangement => "arrangement", Reminder => "reminder", Task => "task" }
}

words! {
    /// A membership's `role`.
    Role { Owner => "owner", Editor => "editor", Viewer => "viewer" }
}

words! {
    /// A membership's `calendarType`.
    CalendarKind { Main => "main", Holiday => "holiday", Additional => "additional" }
}

words! {
    /// A participation's `responseStatus` (`null` is `Option::None`).
    ResponseStatus {
        Invited => "invited",
        Pending => "pending",
        Accepted => "accepted",
        Declined => "declined",
    }
}

impl EventKind {
    /// The reminders an event of this kind gets when the request names none (4.9).
    pub fn default_reminders(self) -> Vec<i64> {
        match self {
            EventKind::Task | EventKind::Reminder => vec![0],
            EventKind::Arrangement => vec![15],
        }
    }
}

impl CalendarKind {
    /// Main and holiday calendars are the user's own: they cannot be shared, edited or deleted.
    pub fn is_personal(self) -> bool {
        matches!(self, CalendarKind::Main | CalendarKind::Holiday)
    }
}

impl ResponseStatus {
    /// Whether a participation with this status (or none) is still only an invitation: it is
    /// hidden from a main calendar's listing and may be re-sent (4.8.5, 4.9.1).
    pub fn is_open_invitation(status: Option<ResponseStatus>) -> bool {
        matches!(status, None | Some(ResponseStatus::Invited))
    }
}

/// The permission rules, in one place. Callers still check that the membership is confirmed.
impl Role {
    /// Owners manage the calendar: edit or delete it, invite members, change their roles.
    pub fn manages_calendar(self) -> bool {
        self == Role::Owner
    }

    /// Creates events in the calendar (E2): owners and editors.
    pub fn creates_events(self) -> bool {
        self != Role::Viewer
    }

    /// Edits an event of the calendar (E3-E6, 4.8.2): not viewers, and nobody edits another
    /// user's task.
    pub fn edits_event(self, kind: EventKind, creator_id: i64, caller: i64) -> bool {
        self != Role::Viewer && (kind != EventKind::Task || creator_id == caller)
    }

    /// Deletes an event of the calendar: as [`Role::edits_event`], and editors only their own.
    pub fn deletes_event(self, kind: EventKind, creator_id: i64, caller: i64) -> bool {
        self.edits_event(kind, creator_id, caller) && (self == Role::Owner || creator_id == caller)
    }

    /// Invites participants to, or withdraws them from, an arrangement (P2, P5): owners and
    /// editors.
    pub fn invites_participants(self) -> bool {
        self != Role::Viewer
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_round_trip_through_text_serde_and_display() {
        for &w in EventKind::ALL {
            let k: EventKind = w.parse().unwrap();
            assert_eq!((k.as_str(), k.to_string()), (w, w.to_string()));
            assert_eq!(serde_json::to_value(k).unwrap(), w);
            assert_eq!(serde_json::from_value::<EventKind>(w.into()).unwrap(), k);
        }
        assert_eq!(Role::ALL, ["owner", "editor", "viewer"]);
        assert_eq!(CalendarKind::ALL, ["main", "holiday", "additional"]);
        assert_eq!(
            ResponseStatus::try_from("pending".to_string()).unwrap(),
            ResponseStatus::Pending
        );
        let err = "Task".parse::<EventKind>().unwrap_err();
        assert_eq!(err.to_string(), "\"Task\" is not a EventKind");
        assert!(serde_json::from_value::<Role>("admin".into()).is_err());
    }

    #[test]
    fn roles_follow_the_permission_table() {
        use EventKind::*;
        use Role::*;
        let (me, other) = (1, 2);
        // (role, kind, creator) -> (edit, delete)
        let table = [
            (Owner, Arrangement, other, true, true),
            (Owner, Task, me, true, true),
            (Owner, Task, other, false, false),
            (Editor, Arrangement, me, true, true),
            (Editor, Reminder, other, true, false),
            (Editor, Task, other, false, false),
            (Viewer, Arrangement, me, false, false),
            (Viewer, Task, me, false, false),
        ];
        for (role, kind, creator, edit, delete) in table {
            assert_eq!(
                role.edits_event(kind, creator, me),
                edit,
                "{role} edits {kind}"
            );
            assert_eq!(
                role.deletes_event(kind, creator, me),
                delete,
                "{role} deletes {kind}"
            );
        }
        assert!(Owner.manages_calendar() && !Editor.manages_calendar());
        assert!(Editor.creates_events() && !Viewer.creates_events());
        assert!(Editor.invites_participants() && !Viewer.invites_participants());
    }
}
