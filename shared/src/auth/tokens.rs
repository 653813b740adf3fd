//! The six JWT kinds (contract 3.2). Each has its own secret and `typ`, so one kind can never be
//! used in place of another; `exp` is checked against the injected clock with no leeway.

use jsonwebtoken::{DecodingKey, EncodingKey, Header, Validation};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};

use crate::clock::Clock;
use crate::config::{JwtConfig, TokenKey};

/// A token kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    Access,
    Refresh,
    ConfirmEmail,
    ResetPassword,
    ConfirmCalendar,
    ConfirmArrangement,
}

impl TokenKind {
    /// The `typ` claim.
    pub fn typ(self) -> &'static str {
        match self {
            TokenKind::Access => "access",
            TokenKind::Refresh => "refresh",
            TokenKind::ConfirmEmail => "confirm-email",
            TokenKind::ResetPassword => "reset-password",
            TokenKind::ConfirmCalendar => "confirm-calendar",
            TokenKind::ConfirmArrangement => "confirm-arrangement",
        }
    }
}

/// The claims of every kind; the kind-specific ones are absent from the others.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    pub sub: i64,
    pub typ: String,
    pub iat: i64,
    pub exp: i64,
    pub iss: String,
    pub aud: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pv: Option<i64>,
    #[serde(
        rename = "calendarId",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub calendar_id: Option<i64>,
    #[serde(
        rename = "eventParticipationId",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub event_participation_id: Option<i64>,
}

/// Why a token was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TokenError {
    #[error("malformed, wrongly signed, or of another kind")]
    Invalid,
    #[error("expired")]
    Expired,
}

struct Keys {
    enc: EncodingKey,
    dec: DecodingKey,
    ttl_secs: i64,
}

impl Keys {
    fn new(k: &TokenKey) -> Self {
        let s = k.secret.expose_secret().as_bytes();
        Keys {
            enc: EncodingKey::from_secret(s),
            dec: DecodingKey::from_secret(s),
            ttl_secs: k.ttl_secs,
        }
    }
}

/// Signs and verifies every kind.
pub struct Tokens {
    cfg: JwtConfig,
    keys: [Keys; 6],
    clock: Clock,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens").finish_non_exhaustive()
    }
}

impl Tokens {
    /// Builds the keys once.
    pub fn new(cfg: &JwtConfig, clock: Clock) -> Self {
        Tokens {
            keys: [
                Keys::new(&cfg.access),
                Keys::new(&cfg.refresh),
                Keys::new(&cfg.confirm_email),
                Keys::new(&cfg.reset_password),
                Keys::new(&cfg.confirm_calendar),
                Keys::new(&cfg.confirm_arrangement),
            ],
            cfg: cfg.clone(),
            clock,
        }
    }

    fn keys(&self, kind: TokenKind) -> &Keys {
        &self.keys[kind as usize]
    }

    fn iss_aud(&self, kind: TokenKind) -> (&str, &str) {
        match kind {
            TokenKind::ConfirmCalendar => (&self.cfg.calendar_issuer, &self.cfg.calendar_audience),
            TokenKind::ConfirmArrangement => (&self.cfg.event_issuer, &self.cfg.event_audience),
            _ => (&self.cfg.issuer, &self.cfg.audience),
        }
    }

    /// The lifetime of a kind, in seconds.
    pub fn ttl_secs(&self, kind: TokenKind) -> i64 {
        self.keys(kind).ttl_secs
    }

    /// Claims of `kind` for `sub`, issued now, expiring after the kind's lifetime.
    pub fn claims(&self, kind: TokenKind, sub: i64) -> Claims {
        let now = self.clock.now_secs();
        let (iss, aud) = self.iss_aud(kind);
        Claims {
            sub,
            typ: kind.typ().into(),
            iat: now,
            exp: now + self.ttl_secs(kind),
            iss: iss.into(),
            aud: aud.into(),
            ..Claims::default()
        }
    }

    /// Signs claims with the key of `kind`.
    pub fn sign(&self, kind: TokenKind, claims: &Claims) -> anyhow::Result<String> {
        let header = Header::new(self.cfg.algorithm);
        Ok(jsonwebtoken::encode(&header, claims, &self.keys(kind).enc)?)
    }

    /// Shorthand: claims built by `f` from the defaults, signed.
    pub fn issue(
        &self,
        kind: TokenKind,
        sub: i64,
        f: impl FnOnce(&mut Claims),
    ) -> anyhow::Result<String> {
        let mut c = self.claims(kind, sub);
        f(&mut c);
        self.sign(kind, &c)
    }

    /// Verifies signature, algorithm, `typ`, `iss`, `aud` and `exp` (no leeway).
    pub fn verify(&self, kind: TokenKind, token: &str) -> Result<Claims, TokenError> {
        let (iss, aud) = self.iss_aud(kind);
        let mut v = Validation::new(self.cfg.algorithm);
        v.leeway = 0;
        // `exp` is checked below against the injected clock, not the library's system time.
        v.validate_exp = false;
        v.set_required_spec_claims(&["exp", "iss", "aud"]);
        v.set_issuer(&[iss]);
        v.set_audience(&[aud]);
        let data = jsonwebtoken::decode::<Claims>(token, &self.keys(kind).dec, &v)
            .map_err(|_| TokenError::Invalid)?;
        let c = data.claims;
        if c.typ != kind.typ() {
            return Err(TokenError::Invalid);
        }
        if c.exp <= self.clock.now_secs() {
            return Err(TokenError::Expired);
        }
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, Mode};
    use chrono::TimeDelta;
    use std::collections::BTreeMap;

    fn tokens() -> (Tokens, Clock) {
        let vars: BTreeMap<String, String> = crate::testing_vars();
        let cfg = Config::from_vars(Mode::Lambda, &vars).unwrap();
        let clock = Clock::system();
        (Tokens::new(&cfg.jwt, clock.clone()), clock)
    }

    const KINDS: [TokenKind; 6] = [
        TokenKind::Access,
        TokenKind::Refresh,
        TokenKind::ConfirmEmail,
        TokenKind::ResetPassword,
        TokenKind::ConfirmCalendar,
        TokenKind::ConfirmArrangement,
    ];

    #[test]
    fn every_kind_is_refused_where_another_is_expected() {
        let (t, _) = tokens();
        for a in KINDS {
            let tok = t.issue(a, 7, |_| {}).unwrap();
            for b in KINDS {
                let res = t.verify(b, &tok);
                if a == b {
                    assert_eq!(res.unwrap().sub, 7);
                } else {
                    assert_eq!(res.unwrap_err(), TokenError::Invalid, "{a:?} as {b:?}");
                }
            }
        }
    }

    #[test]
    fn a_token_of_the_right_key_but_wrong_typ_is_refused() {
        let (t, _) = tokens();
        let mut c = t.claims(TokenKind::Access, 1);
        c.typ = "refresh".into();
        let tok = t.sign(TokenKind::Access, &c).unwrap();
        assert_eq!(
            t.verify(TokenKind::Access, &tok).unwrap_err(),
            TokenError::Invalid
        );
    }

    #[test]
    fn expiry_has_no_leeway() {
        let (t, clock) = tokens();
        let tok = t.issue(TokenKind::Access, 1, |_| {}).unwrap();
        clock.advance(TimeDelta::seconds(t.ttl_secs(TokenKind::Access) - 2));
        assert!(t.verify(TokenKind::Access, &tok).is_ok());
        clock.advance(TimeDelta::seconds(2));
        assert_eq!(
            t.verify(TokenKind::Access, &tok).unwrap_err(),
            TokenError::Expired
        );
    }

    #[test]
    fn tampered_tokens_are_refused() {
        let (t, _) = tokens();
        let tok = t.issue(TokenKind::Access, 1, |c| c.sid = Some(3)).unwrap();
        let mut parts: Vec<String> = tok.split('.').map(String::from).collect();
        let forged = serde_json::json!({"sub": 2, "typ": "access", "iat": 0, "exp": i64::MAX / 2,
            "iss": "/api/auth", "aud": "chronos", "sid": 3});
        use base64::Engine;
        parts[1] = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(forged.to_string());
        assert_eq!(
            t.verify(TokenKind::Access, &parts.join(".")).unwrap_err(),
            TokenError::Invalid
        );
        let none_alg = format!(
            "{}.{}.",
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(r#"{"alg":"none","typ":"JWT"}"#),
            parts[1]
        );
        assert_eq!(
            t.verify(TokenKind::Access, &none_alg).unwrap_err(),
            TokenError::Invalid
        );
    }

    #[test]
    fn issuer_contexts_differ_by_kind() {
        let (t, _) = tokens();
        assert_eq!(
            t.claims(TokenKind::ConfirmCalendar, 1).iss,
            "/api/calendars"
        );
        assert_eq!(
            t.claims(TokenKind::ConfirmArrangement, 1).iss,
            "/api/events"
        );
        assert_eq!(t.claims(TokenKind::Refresh, 1).iss, "/api/auth");
    }
}
