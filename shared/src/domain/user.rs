//! User rules: password strength, avatar names, time zones, countries, and the two JSON shapes.

use serde::Serialize;

use crate::clock::format_ms;
use crate::db::users::User;

/// The length limits of a first or last name.
pub const NAME_RANGE: (usize, usize) = (3, 100);

/// The strong-password rule (contract 3.3): 8..32 characters with an ASCII lower-case letter,
/// an ASCII upper-case letter, a digit and a symbol (anything not an ASCII letter or digit).
pub fn password_problem(field: &str, p: &str) -> Option<String> {
    let n = p.chars().count();
    if n > 32 {
        return Some(format!(
            "{field} must be shorter than or equal to 32 characters"
        ));
    }
    let strong = n >= 8
        && p.chars().any(|c| c.is_ascii_lowercase())
        && p.chars().any(|c| c.is_ascii_uppercase())
        && p.chars().any(|c| c.is_ascii_digit())
        && p.chars().any(|c| !c.is_ascii_alphanumeric());
    (!strong).then(|| format!("{field} is not strong enough"))
}

/// The default avatar's name; it is always present.
pub const DEFAULT_AVATAR: &str = "default-avatar.png";

/// Whether `name` has the form of an avatar: the default, or `{uuid v1-5}.jpg|jpeg|png`.
pub fn is_avatar_name(name: &str) -> bool {
    if name == DEFAULT_AVATAR {
        return true;
    }
    let Some((stem, ext)) = name.rsplit_once('.') else {
        return false;
    };
    if !["jpg", "jpeg", "png"].contains(&ext.to_ascii_lowercase().as_str()) {
        return false;
    }
    let b = stem.as_bytes();
    let hex_at = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_hexdigit);
    b.len() == 36
        && [8, 13, 18, 23].iter().all(|&i| b[i] == b'-')
        && hex_at(0..8)
        && hex_at(9..13)
        && hex_at(14..18)
        && hex_at(19..23)
        && hex_at(24..36)
        && (b'1'..=b'5').contains(&b[14])
        && b"89abAB".contains(&b[19])
}

/// Parses an IANA zone name (case-insensitively) into its canonical spelling.
pub fn parse_time_zone(s: &str) -> Option<chrono_tz::Tz> {
    s.parse::<chrono_tz::Tz>()
        .ok()
        .or_else(|| chrono_tz::Tz::from_str_insensitive(s).ok())
}

/// A user as others see them (no `timeZone`).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PublicUser {
    pub id: i64,
    pub first_name: String,
    pub last_name: Option<String>,
    pub email: String,
    pub profile_picture_name: String,
    pub country_code: String,
    pub created_at: String,
    pub updated_at: String,
}

/// A user's own profile.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OwnUser {
    pub id: i64,
    pub first_name: String,
    pub last_name: Option<String>,
    pub email: String,
    pub profile_picture_name: String,
    pub country_code: String,
    pub time_zone: String,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&User> for PublicUser {
    fn from(u: &User) -> Self {
        PublicUser {
            id: u.id,
            first_name: u.first_name.clone(),
            last_name: u.last_name.clone(),
            email: u.email.clone(),
            profile_picture_name: u.profile_picture_name.clone(),
            country_code: u.country_code.clone(),
            created_at: format_ms(u.created_at),
            updated_at: format_ms(u.updated_at),
        }
    }
}

impl From<&crate::db::users::PublicUserRow> for PublicUser {
    fn from(u: &crate::db::users::PublicUserRow) -> Self {
        PublicUser {
            id: u.u_id,
            first_name: u.u_first_name.clone(),
            last_name: u.u_last_name.clone(),
            email: u.u_email.clone(),
            profile_picture_name: u.u_profile_picture_name.clone(),
            country_code: u.u_country_code.clone(),
            created_at: format_ms(u.u_created_at),
            updated_at: format_ms(u.u_updated_at),
        }
    }
}

impl From<&User> for OwnUser {
    fn from(u: &User) -> Self {
        OwnUser {
            id: u.id,
            first_name: u.first_name.clone(),
            last_name: u.last_name.clone(),
            email: u.email.clone(),
            profile_picture_name: u.profile_picture_name.clone(),
            country_code: u.country_code.clone(),
            time_zone: u.time_zone.clone(),
            created_at: format_ms(u.created_at),
            updated_at: format_ms(u.updated_at),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strong_passwords() {
        assert_eq!(password_problem("password", "Str0ng!pass"), None);
        assert_eq!(password_problem("password", "Ab1!Ab1!"), None);
        let weak = Some("password is not strong enough".to_string());
        for p in [
            "Sh0rt!",
            "alllower1!",
            "ALLUPPER1!",
            "NoDigits!!",
            "NoSymbol11",
            "Ümlaut1a!",
        ] {
            assert_eq!(password_problem("password", p), weak, "{p}");
        }
        assert_eq!(
            password_problem("password", "Ümlaut1A"),
            None,
            "a non-ASCII letter is a symbol"
        );
        assert_eq!(
            password_problem("newPassword", &format!("Aa1!{}", "x".repeat(29))),
            Some("newPassword must be shorter than or equal to 32 characters".into())
        );
    }

    #[test]
    fn avatar_names() {
        assert!(is_avatar_name("default-avatar.png"));
        assert!(is_avatar_name("3f1c2a4e-9b7d-4c1e-8f2a-6d5e4c3b2a10.png"));
        assert!(is_avatar_name("3F1C2A4E-9B7D-4C1E-8F2A-6D5E4C3B2A10.JPEG"));
        assert!(
            !is_avatar_name("3f1c2a4e-9b7d-6c1e-8f2a-6d5e4c3b2a10.png"),
            "version 6"
        );
        assert!(
            !is_avatar_name("3f1c2a4e-9b7d-4c1e-cf2a-6d5e4c3b2a10.png"),
            "variant c"
        );
        assert!(!is_avatar_name("3f1c2a4e-9b7d-4c1e-8f2a-6d5e4c3b2a10.gif"));
        assert!(!is_avatar_name("../etc/passwd.png"));
    }

    #[test]
    fn time_zones_are_canonicalised() {
        assert_eq!(
            parse_time_zone("europe/kyiv").unwrap().name(),
            "Europe/Kyiv"
        );
        assert_eq!(parse_time_zone("UTC").unwrap().name(), "UTC");
        assert!(parse_time_zone("Mars/Olympus").is_none());
    }
}
