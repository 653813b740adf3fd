//! Field validation with the contract's messages (1.4): one message per failing field (the first
//! rule it fails), in the order the route checks its fields, then cross-field messages.
//!
//! Bodies are read as JSON objects rather than deserialized straight into structs, because the
//! contract's coercions (an integer may be a string of digits, a boolean may be `"true"`), the
//! absent/null distinction and the exact messages do not map onto serde's errors.

use crate::domain::kinds::Word;
use serde_json::{Map, Value};

/// A field that may be absent, explicitly null, or set.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum Opt<T> {
    #[default]
    Absent,
    Null,
    Set(T),
}

impl<T> Opt<T> {
    /// The value, if set.
    pub fn set(self) -> Option<T> {
        match self {
            Opt::Set(v) => Some(v),
            _ => None,
        }
    }
    /// Whether the field was sent (null included).
    pub fn is_present(&self) -> bool {
        !matches!(self, Opt::Absent)
    }
}

/// Collects validation messages for one request.
#[derive(Debug, Default)]
pub struct Validator {
    errors: Vec<String>,
}

/// How absence and null are treated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Presence {
    Required,
    Optional,
    Nullable,
}

/// One field under check: rules apply only while it has not failed and holds a value.
pub struct Field<'v, T> {
    v: &'v mut Validator,
    name: &'v str,
    value: Opt<T>,
    failed: bool,
}

impl Validator {
    /// A fresh validator.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a message (cross-field rules).
    pub fn error(&mut self, msg: impl Into<String>) {
        self.errors.push(msg.into());
    }

    /// Replaces the most recent message (for rules whose message depends on how they failed).
    pub fn replace_last(&mut self, msg: String) {
        if let Some(last) = self.errors.last_mut() {
            *last = msg;
        }
    }

    /// Whether any message was recorded.
    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    /// The messages, or `Ok` when there are none.
    pub fn finish(self) -> Result<(), Vec<String>> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(self.errors)
        }
    }

    /// A string field of a JSON object.
    pub fn str<'v>(&'v mut self, obj: &Map<String, Value>, name: &'v str) -> Field<'v, String> {
        let value = match obj.get(name) {
            None => Opt::Absent,
            Some(Value::Null) => Opt::Null,
            Some(Value::String(s)) => Opt::Set(s.clone()),
            Some(_) => {
                self.errors.push(format!("{name} must be a string"));
                return Field::failed(self, name);
            }
        };
        Field::new(self, name, value)
    }

    /// An integer field of a JSON object: a JSON integer or a string of decimal digits.
    pub fn int<'v>(&'v mut self, obj: &Map<String, Value>, name: &'v str) -> Field<'v, i64> {
        let value = match obj.get(name) {
            None => Opt::Absent,
            Some(Value::Null) => Opt::Null,
            Some(v) => match parse_int(v) {
                Some(i) => Opt::Set(i),
                None => {
                    self.errors.push(format!("{name} must be an integer"));
                    return Field::failed(self, name);
                }
            },
        };
        Field::new(self, name, value)
    }

    /// A boolean field of a JSON object: `true`/`false` or the strings `"true"`/`"false"`.
    pub fn bool<'v>(&'v mut self, obj: &Map<String, Value>, name: &'v str) -> Field<'v, bool> {
        let value = match obj.get(name) {
            None => Opt::Absent,
            Some(Value::Null) => Opt::Null,
            Some(Value::Bool(b)) => Opt::Set(*b),
            Some(Value::String(s)) if s == "true" => Opt::Set(true),
            Some(Value::String(s)) if s == "false" => Opt::Set(false),
            Some(_) => {
                self.errors.push(format!("{name} must be a boolean value"));
                return Field::failed(self, name);
            }
        };
        Field::new(self, name, value)
    }

    /// A query parameter (always a string; an empty value was already dropped as absent).
    pub fn param<'v>(&'v mut self, value: Option<&str>, name: &'v str) -> Field<'v, String> {
        let value = value.map_or(Opt::Absent, |s| Opt::Set(s.to_string()));
        Field::new(self, name, value)
    }
}

/// Reads an integer with the contract's coercion.
pub fn parse_int(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s)
            if !s.is_empty() && s.len() <= 18 && s.bytes().all(|b| b.is_ascii_digit()) =>
        {
            s.parse().ok()
        }
        _ => None,
    }
}

impl<'v, T> Field<'v, T> {
    fn new(v: &'v mut Validator, name: &'v str, value: Opt<T>) -> Self {
        Field {
            v,
            name,
            value,
            failed: false,
        }
    }

    fn failed(v: &'v mut Validator, name: &'v str) -> Self {
        Field {
            v,
            name,
            value: Opt::Absent,
            failed: true,
        }
    }

    fn presence(self, p: Presence) -> Self {
        if self.failed {
            return self;
        }
        let msg = match (&self.value, p) {
            (Opt::Absent | Opt::Null, Presence::Required) => "should not be empty",
            (Opt::Null, Presence::Optional) => "should not be null",
            _ => return self,
        };
        let name = self.name;
        self.fail(format!("{name} {msg}"))
    }

    /// Absent or null is `{f} should not be empty`.
    pub fn required(self) -> Self {
        self.presence(Presence::Required)
    }

    /// Null is `{f} should not be null`.
    pub fn optional(self) -> Self {
        self.presence(Presence::Optional)
    }

    /// Null is accepted.
    pub fn nullable(self) -> Self {
        self.presence(Presence::Nullable)
    }

    fn fail(mut self, msg: String) -> Self {
        self.v.errors.push(msg);
        self.failed = true;
        self.value = Opt::Absent;
        self
    }

    /// Applies a rule to a set value; on failure records `msg` (the whole message).
    pub fn check(self, ok: impl FnOnce(&T) -> bool, msg: impl FnOnce(&str) -> String) -> Self {
        match &self.value {
            Opt::Set(x) if !self.failed && !ok(x) => {
                let m = msg(self.name);
                self.fail(m)
            }
            _ => self,
        }
    }

    /// Converts a set value; on failure records the message.
    pub fn parse<U>(
        self,
        f: impl FnOnce(&T) -> Option<U>,
        msg: impl FnOnce(&str) -> String,
    ) -> Field<'v, U> {
        let Field {
            v,
            name,
            value,
            failed,
        } = self;
        match value {
            Opt::Set(x) => match f(&x) {
                Some(u) => Field::new(v, name, Opt::Set(u)),
                None => {
                    v.errors.push(msg(name));
                    Field::failed(v, name)
                }
            },
            Opt::Null => Field {
                v,
                name,
                value: Opt::Null,
                failed,
            },
            Opt::Absent => Field {
                v,
                name,
                value: Opt::Absent,
                failed,
            },
        }
    }

    /// The value as absent / null / set; a failed field reads as absent.
    pub fn opt(self) -> Opt<T> {
        self.value
    }

    /// The value if set (a failed or missing field is `None`).
    pub fn get(self) -> Option<T> {
        self.value.set()
    }
}

impl<'v> Field<'v, String> {
    /// `""` is read as null (for nullable names).
    pub fn empty_as_null(mut self) -> Self {
        if matches!(&self.value, Opt::Set(s) if s.is_empty()) {
            self.value = Opt::Null;
        }
        self
    }

    /// Length in code points between `min` and `max`.
    pub fn len(self, min: usize, max: usize) -> Self {
        self.min_len(min).max_len(max)
    }

    /// At least `min` code points.
    pub fn min_len(self, min: usize) -> Self {
        self.check(
            |s| s.chars().count() >= min,
            |f| format!("{f} must be longer than or equal to {min} characters"),
        )
    }

    /// At most `max` code points.
    pub fn max_len(self, max: usize) -> Self {
        self.check(
            |s| s.chars().count() <= max,
            |f| format!("{f} must be shorter than or equal to {max} characters"),
        )
    }

    /// Trims surrounding white space.
    pub fn trim(mut self) -> Self {
        if let Opt::Set(s) = &mut self.value {
            *s = s.trim().to_string();
        }
        self
    }

    /// `^[a-zA-Z-]+$`.
    pub fn name_chars(self) -> Self {
        self.check(
            |s| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphabetic() || c == '-'),
            |f| format!("{f} must match /^[a-zA-Z-]+$/ regular expression"),
        )
    }

    /// A syntactically valid e-mail address.
    pub fn email(self) -> Self {
        self.check(|s| is_email(s), |f| format!("{f} must be an email"))
    }

    /// `#RRGGBB`.
    pub fn hex_color(self) -> Self {
        self.check(
            |s| is_hex_color(s),
            |_| "Color must be a valid hex color code (e.g., #FF5733)".into(),
        )
    }

    /// A person's name (first or last): 3 to 100 characters of `^[a-zA-Z-]+$`.
    pub fn person_name(self) -> Self {
        let (lo, hi) = crate::domain::user::NAME_RANGE;
        self.len(lo, hi).name_chars()
    }

    /// A strong password (3.3): at most 32 characters, at least 8 with a lower-case and an
    /// upper-case letter, a digit and a symbol; the message names the field.
    pub fn strong_password(self) -> Self {
        match &self.value {
            Opt::Set(p) if !self.failed => {
                match crate::domain::user::password_problem(self.name, p) {
                    Some(msg) => self.fail(msg),
                    None => self,
                }
            }
            _ => self,
        }
    }

    /// An IANA time zone, any case, as its canonical name.
    pub fn time_zone(self) -> Self {
        self.parse(
            |z| crate::domain::user::parse_time_zone(z).map(|t| t.name().to_string()),
            |f| format!("{f} must be a valid IANA time zone"),
        )
    }

    /// An ISO 3166-1 alpha-2 country code, any case, as stored.
    pub fn country_code(self) -> Self {
        self.parse(
            |c| crate::data::country_code(c).map(str::to_string),
            |_| "Invalid country code, must be cca2".into(),
        )
    }

    /// One of a [`Word`] enum's spellings, as that enum (the message lists them all).
    pub fn word<W: Word>(self) -> Field<'v, W> {
        self.parse(
            |s| s.parse().ok(),
            |f| {
                format!(
                    "{f} must be one of the following values: {}",
                    W::ALL.join(", ")
                )
            },
        )
    }

    /// One of the listed values.
    pub fn one_of(self, values: &[&str]) -> Self {
        self.check(
            |s| values.contains(&s.as_str()),
            |f| {
                format!(
                    "{f} must be one of the following values: {}",
                    values.join(", ")
                )
            },
        )
    }
}

impl<'v> Field<'v, i64> {
    /// 1..=2147483647.
    pub fn positive_id(self) -> Self {
        self.check(
            |i| (1..=i64::from(i32::MAX)).contains(i),
            |f| format!("{f} must be a positive integer"),
        )
    }

    /// Not below `n`.
    pub fn min(self, n: i64) -> Self {
        self.check(|i| *i >= n, |f| format!("{f} must not be less than {n}"))
    }

    /// Not above `n`.
    pub fn max(self, n: i64) -> Self {
        self.check(|i| *i <= n, |f| format!("{f} must not be greater than {n}"))
    }
}

/// `#RRGGBB` with hex digits of either case.
pub fn is_hex_color(s: &str) -> bool {
    s.len() == 7 && s.starts_with('#') && s[1..].bytes().all(|b| b.is_ascii_hexdigit())
}

/// A pragmatic e-mail syntax check: an RFC 5322 dot-atom local part of at most 64 characters,
/// `@`, and a domain of at least two DNS labels with an alphabetic top-level label.
pub fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    let atom_ok = |a: &str| {
        !a.is_empty()
            && a.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+/=?^_`{|}~-".contains(&b))
    };
    if local.is_empty() || local.len() > 64 || !local.split('.').all(atom_ok) {
        return false;
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 || domain.len() > 253 {
        return false;
    }
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    let tld = labels[labels.len() - 1];
    labels.iter().all(|l| label_ok(l))
        && tld.len() >= 2
        && tld.bytes().all(|b| b.is_ascii_alphabetic())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn each_field_reports_only_its_first_failing_rule_in_order() {
        let body = obj(json!({"firstName": "a1", "lastName": null, "age": "x"}));
        let mut v = Validator::new();
        v.str(&body, "firstName")
            .required()
            .len(3, 100)
            .name_chars();
        v.str(&body, "email").required().email();
        v.int(&body, "age").optional();
        v.str(&body, "lastName").optional();
        assert_eq!(
            v.finish().unwrap_err(),
            vec![
                "firstName must be longer than or equal to 3 characters",
                "email should not be empty",
                "age must be an integer",
                "lastName should not be null",
            ]
        );
    }

    #[test]
    fn integers_and_booleans_accept_their_string_forms_only() {
        let body = obj(json!({"a": "42", "b": "true", "c": 1.5, "d": "yes", "e": 7}));
        let mut v = Validator::new();
        assert_eq!(v.int(&body, "a").get(), Some(42));
        assert_eq!(v.bool(&body, "b").get(), Some(true));
        assert_eq!(v.int(&body, "c").get(), None);
        assert_eq!(v.bool(&body, "d").get(), None);
        assert_eq!(v.int(&body, "e").positive_id().get(), Some(7));
        assert_eq!(
            v.finish().unwrap_err(),
            vec!["c must be an integer", "d must be a boolean value"]
        );
    }

    #[test]
    fn lengths_count_code_points() {
        let body = obj(json!({"n": "ÄÖÜ"}));
        let mut v = Validator::new();
        assert_eq!(v.str(&body, "n").len(3, 3).get().as_deref(), Some("ÄÖÜ"));
        assert!(v.finish().is_ok());
    }

    #[test]
    fn email_syntax() {
        for ok in ["a@b.co", "alice.smith+tag@example.com", "x@sub.example.org"] {
            assert!(is_email(ok), "{ok}");
        }
        for bad in [
            "",
            "a",
            "a@b",
            "a@b.c",
            "@b.com",
            "a@.com",
            "a..b@c.com",
            "a b@c.com",
            "a@b_c.com",
            "a@-b.com",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
    }

    #[test]
    fn hex_colors() {
        assert!(is_hex_color("#4285F4"));
        assert!(is_hex_color("#abcdef"));
        assert!(!is_hex_color("4285F4"));
        assert!(!is_hex_color("#4285F"));
        assert!(!is_hex_color("#GGGGGG"));
    }

    #[test]
    fn the_shared_field_rules_give_the_contracts_messages() {
        let body = serde_json::json!({"firstName": "Al", "pw": "weakpass", "tz": "europe/kyiv",
            "cc": "xx", "ok": "Str0ng!pw", "who": "Mary-Jane"})
        .as_object()
        .unwrap()
        .clone();
        let mut v = Validator::new();
        assert_eq!(v.str(&body, "firstName").person_name().get(), None);
        assert_eq!(v.str(&body, "pw").strong_password().get(), None);
        assert_eq!(
            v.str(&body, "tz").time_zone().get().as_deref(),
            Some("Europe/Kyiv")
        );
        assert_eq!(v.str(&body, "cc").country_code().get(), None);
        assert_eq!(
            v.str(&body, "ok").strong_password().get().as_deref(),
            Some("Str0ng!pw")
        );
        assert_eq!(
            v.str(&body, "who").person_name().get().as_deref(),
            Some("Mary-Jane")
        );
        assert_eq!(
            v.finish().unwrap_err(),
            [
                "firstName must be longer than or equal to 3 characters",
                "pw is not strong enough",
                "Invalid country code, must be cca2",
            ]
        );
    }
}
