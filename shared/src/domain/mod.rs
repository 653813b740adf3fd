//! Rules that are not SQL: validation of request fields with the contract's exact messages,
//! and the user and calendar rules. Pure code, unit-tested here.

pub mod calendar;
pub mod kinds;
pub mod recurrence;
pub mod triggers;
pub mod user;
pub mod validate;
