//! The e-mail templates (contract 5). Every message has an HTML and a text part; everything a
//! user typed is HTML-escaped in the HTML part.

use crate::config::Config;
use crate::db::{Tx, outbox};

/// A rendered message ready for the outbox.
#[derive(Clone, Debug)]
pub struct Email {
    pub kind: &'static str,
    pub to: String,
    pub subject: String,
    pub html: String,
    pub text: String,
    pub links: Vec<String>,
}

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

fn page(app: &str, paragraphs: &[String], link: &str, button: &str) -> String {
    let body: String = paragraphs.iter().map(|p| format!("<p>{p}</p>")).collect();
    let (app, link) = (escape_html(app), escape_html(link));
    format!(
        "<!doctype html><html><body style=\"font-family:sans-serif\"><h2>{app}</h2>{body}\
         <p><a href=\"{link}\">{button}</a></p><p style=\"color:#666\">{link}</p></body></html>"
    )
}

/// Email 1, or email 2 when `deleted_at` (when the unconfirmed account goes, as the
/// recipient reads it) is given: confirm the address.
pub fn confirm_email(
    cfg: &Config,
    to: &str,
    first_name: &str,
    token: &str,
    deleted_at: Option<&str>,
) -> Email {
    let link = format!("{}/auth/confirm-email/{token}", cfg.frontend_url);
    let app = &cfg.app_name;
    let (kind, subject, extra) = match deleted_at {
        Some(at) => (
            "confirmation-reminder",
            format!("Please confirm your email for {app}"),
            format!("Unless you confirm it, your account will be deleted on {at}."),
        ),
        None => (
            "confirm-email",
            format!("Email Confirmation for {app}"),
            String::new(),
        ),
    };
    let greet = format!("Hello {},", escape_html(first_name));
    let ask = format!(
        "Please confirm your email address for {} by opening the link below.",
        escape_html(app)
    );
    let mut paras = vec![greet, ask];
    if !extra.is_empty() {
        paras.push(escape_html(&extra));
    }
    Email {
        kind,
        to: to.into(),
        html: page(app, &paras, &link, "Confirm email"),
        text: format!(
            "Hello {first_name},\n\nPlease confirm your email address for {app}:\n{link}\n{extra}\n"
        ),
        subject,
        links: vec![link],
    }
}

/// Email 3: reset the password.
pub fn reset_password(cfg: &Config, to: &str, first_name: &str, token: &str) -> Email {
    let link = format!("{}/auth/reset-password/{token}", cfg.frontend_url);
    let app = &cfg.app_name;
    let paras = vec![
        format!("Hello {},", escape_html(first_name)),
        "Someone asked to reset your password. If it was you, open the link below within an hour; \
         otherwise ignore this message."
            .to_string(),
    ];
    Email {
        kind: "reset-password",
        to: to.into(),
        subject: format!("Reset Password for {app}"),
        html: page(app, &paras, &link, "Reset password"),
        text: format!(
            "Hello {first_name},\n\nTo reset your {app} password, open this link within an hour:\n{link}\n\
             If you did not ask for it, ignore this message.\n"
        ),
        links: vec![link],
    }
}

/// Email 4: an invitation to a shared calendar.
pub fn calendar_invitation(
    cfg: &Config,
    to: &str,
    inviter_email: &str,
    calendar: (i64, &str),
    role: &str,
    token: &str,
) -> Email {
    let (calendar_id, calendar_name) = calendar;
    let link = format!(
        "{}/calendars/{calendar_id}/confirm-calendar/{token}",
        cfg.frontend_url
    );
    let app = &cfg.app_name;
    let paras = vec![
        format!(
            "{} invited you to the calendar <strong>{}</strong> as {}.",
            escape_html(inviter_email),
            escape_html(calendar_name),
            escape_html(role)
        ),
        "Open the link below to accept the invitation.".to_string(),
    ];
    Email {
        kind: "calendar-invitation",
        to: to.into(),
        subject: format!("Calendar Access Invitation: {calendar_name}"),
        html: page(app, &paras, &link, "Accept invitation"),
        text: format!(
            "{inviter_email} invited you to the calendar \"{calendar_name}\" as {role}.\n\n\
             Accept the invitation:\n{link}\n"
        ),
        links: vec![link],
    }
}

/// Email 5: an invitation to an event. `when` is already formatted in the recipient's zone.
pub fn event_invitation(
    cfg: &Config,
    to: &str,
    inviter_email: &str,
    event_name: &str,
    when: &str,
    guests: &[String],
    link: &str,
) -> Email {
    let app = &cfg.app_name;
    let guest_list = guests.join(", ");
    let paras = vec![
        format!(
            "{} invited you to <strong>{}</strong>.",
            escape_html(inviter_email),
            escape_html(event_name)
        ),
        format!("When: {}", escape_html(when)),
        format!("Guests: {}", escape_html(&guest_list)),
    ];
    Email {
        kind: "event-invitation",
        to: to.into(),
        subject: format!("Event Invitation: {event_name}"),
        html: page(app, &paras, link, "Confirm participation"),
        text: format!(
            "{inviter_email} invited you to \"{event_name}\".\nWhen: {when}\nGuests: {guest_list}\n\n\
             Confirm your participation:\n{link}\n"
        ),
        links: vec![link.to_string()],
    }
}

/// What email 6 says about the event reminded of.
pub struct ReminderOf<'a> {
    pub event_name: &'a str,
    pub description: Option<&'a str>,
    pub calendar_name: &'a str,
    /// The occurrence's start, formatted in the recipient's zone (dates for all-day events).
    pub starts: &'a str,
    /// Whether the event recurs (the text then names this occurrence).
    pub recurring: bool,
}

/// Email 6: a reminder of an event (contract 5.1, 5.2).
pub fn event_reminder(cfg: &Config, to: &str, r: &ReminderOf<'_>) -> Email {
    let app = &cfg.app_name;
    let link = format!("{}/calendar", cfg.frontend_url);
    let when = if r.recurring {
        format!("This occurrence starts: {}", r.starts)
    } else {
        format!("Starts: {}", r.starts)
    };
    let mut paras = vec![
        format!(
            "Reminder: <strong>{}</strong> in calendar {}.",
            escape_html(r.event_name),
            escape_html(r.calendar_name)
        ),
        escape_html(&when),
    ];
    let description = r.description.unwrap_or("");
    if !description.is_empty() {
        paras.push(escape_html(description));
    }
    Email {
        kind: "event-reminder",
        to: to.into(),
        subject: format!("Reminder: {} in calendar {}", r.event_name, r.calendar_name),
        html: page(app, &paras, &link, "Open the calendar"),
        text: format!(
            "Reminder: \"{}\" in calendar \"{}\".\n{when}\n{description}\n\n{link}\n",
            r.event_name, r.calendar_name
        ),
        links: vec![link],
    }
}

/// Formats a span for an e-mail in the recipient's zone, e.g.
/// `Tue, 1 Apr 2025, 12:00 – Tue, 1 Apr 2025, 13:00 (Europe/Kyiv)`; all-day spans show dates.
pub fn format_span(
    start_ms: i64,
    end_ms: i64,
    all_day: Option<(&str, &str)>,
    tz: chrono_tz::Tz,
) -> String {
    if let Some((s, e)) = all_day {
        return format!("{s} – {e} (all day)");
    }
    let f = |ms: i64| local_time(ms, tz);
    format!("{} – {} ({})", f(start_ms), f(end_ms), tz.name())
}

/// An instant in the recipient's zone, named: `Tue, 1 Apr 2025, 12:00 (Europe/Kyiv)` (5.2).
pub fn format_instant(ms: i64, tz: chrono_tz::Tz) -> String {
    format!("{} ({})", local_time(ms, tz), tz.name())
}

fn local_time(ms: i64, tz: chrono_tz::Tz) -> String {
    chrono::DateTime::<chrono::Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .with_timezone(&tz)
        .format("%a, %-d %b %Y, %H:%M")
        .to_string()
}

/// Writes an e-mail into the outbox inside the caller's transaction, which remembers the row for
/// its hand-off after commit. `dedupe` identifies the message: a second insert with the same key
/// is ignored (a redelivered job never sends twice).
pub async fn queue(tx: &mut Tx, e: &Email, dedupe: &str, now: i64) -> sqlx::Result<Option<i64>> {
    let links = serde_json::to_string(&e.links).unwrap_or_else(|_| "[]".into());
    let id = outbox::insert(
        &mut *tx,
        &outbox::NewOutbox {
            dedupe_key: dedupe,
            kind: e.kind,
            recipient: &e.to,
            subject: &e.subject,
            html_body: &e.html,
            text_body: &e.text,
            links: &links,
        },
        now,
    )
    .await?;
    if let Some(id) = id {
        tx.queued(id);
    }
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_names_are_escaped_in_the_invitation() {
        let vars = crate::testing_vars();
        let cfg = Config::from_vars(crate::config::Mode::Lambda, &vars).unwrap();
        let e = calendar_invitation(
            &cfg,
            "b@x.io",
            "a@x.io",
            (7, "<b>Team</b>"),
            "editor",
            "tok",
        );
        assert_eq!(e.subject, "Calendar Access Invitation: <b>Team</b>");
        assert!(e.html.contains("&lt;b&gt;Team&lt;/b&gt;") && !e.html.contains("<b>Team"));
        assert_eq!(
            e.links,
            ["http://localhost:5173/calendars/7/confirm-calendar/tok"]
        );
    }

    #[test]
    fn user_text_is_escaped_in_html() {
        assert_eq!(
            escape_html(r#"<script>alert("x")</script> & 'y'"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
    }
}
