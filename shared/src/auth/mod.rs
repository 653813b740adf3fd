//! Authentication: argon2id passwords, the six JWT kinds, CSRF double submit, refresh sessions
//! and the login throttle.

pub mod csrf;
pub mod password;
pub mod sessions;
pub mod throttle;
pub mod tokens;
