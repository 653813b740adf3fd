//! Stateless HMAC double-submit CSRF (contract 2.2): the cookie holds a random seed, the token is
//! `base64url(HMAC-SHA256(CSRF_SECRET, seed))`, so any instance can check it and nothing is stored.

use axum::extract::Request;
use axum::http::HeaderMap;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use rand::RngCore;
use secrecy::ExposeSecret;
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::config::Config;

/// The cookie's name.
pub const COOKIE: &str = "X-CSRF-TOKEN";

/// A new random seed: 32 bytes, base64url without padding (43 characters).
pub fn new_seed() -> String {
    let mut b = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut b);
    URL_SAFE_NO_PAD.encode(b)
}

/// Whether a cookie value is a well-formed seed.
pub fn is_seed(s: &str) -> bool {
    s.len() == 43 && URL_SAFE_NO_PAD.decode(s).is_ok_and(|b| b.len() == 32)
}

/// The token for a seed.
pub fn token_for(secret: &str, seed: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key");
    mac.update(seed.as_bytes());
    URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

/// The token for a seed under the configured `CSRF_SECRET`.
pub fn token(cfg: &Config, seed: &str) -> String {
    token_for(cfg.csrf_secret.expose_secret(), seed)
}

/// The well-formed seed cookie of a request, if any.
pub fn seed_from_headers(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.trim().trim_matches('"').to_string())
        .find(|v| is_seed(v))
}

/// The `Set-Cookie` value for a new seed.
pub fn set_cookie(seed: &str, cfg: &Config) -> String {
    let secure = if cfg.cookie_secure { "; Secure" } else { "" };
    format!(
        "{COOKIE}={seed}; Path=/; HttpOnly; SameSite={}{secure}",
        cfg.csrf_cookie_samesite
    )
}

/// Whether a write request carries a valid seed cookie and the matching `X-CSRF-Token` header.
pub fn request_is_valid(req: &Request, cfg: &Config) -> bool {
    let Some(seed) = seed_from_headers(req.headers()) else {
        return false;
    };
    let Some(sent) = req.headers().get("x-csrf-token") else {
        return false;
    };
    let expected = token(cfg, &seed);
    sent.as_bytes().ct_eq(expected.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_and_tokens_have_43_characters_and_tokens_are_deterministic() {
        let seed = new_seed();
        assert_eq!(seed.len(), 43);
        assert!(is_seed(&seed));
        let a = token_for("k".repeat(32).as_str(), &seed);
        assert_eq!(a.len(), 43);
        assert_eq!(a, token_for("k".repeat(32).as_str(), &seed));
        assert_ne!(a, token_for("j".repeat(32).as_str(), &seed));
    }

    #[test]
    fn the_token_is_hmac_sha256_of_the_seed_text() {
        // HMAC-SHA256(key="key", msg="The quick brown fox jumps over the lazy dog") (RFC 4231 style
        // well-known vector), base64url without padding.
        assert_eq!(
            token_for("key", "The quick brown fox jumps over the lazy dog"),
            "97yD9DBThCSxMpjmqm-xQ-9NWaFJRhdZl0edvC0aPNg"
        );
    }

    #[test]
    fn malformed_seeds_are_ignored() {
        let mut h = HeaderMap::new();
        h.insert("cookie", "X-CSRF-TOKEN=short; other=1".parse().unwrap());
        assert_eq!(seed_from_headers(&h), None);
        let seed = new_seed();
        h.insert(
            "cookie",
            format!("a=b; X-CSRF-TOKEN={seed}").parse().unwrap(),
        );
        assert_eq!(seed_from_headers(&h), Some(seed));
    }
}
