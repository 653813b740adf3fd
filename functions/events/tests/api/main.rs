//! Integration tests of the events function (one test binary; modules by topic).

mod authz;
mod concurrency;
mod copies;
mod create;
mod defects;
mod explain;
mod grams;
mod helpers;
mod lambda;
mod limits;
mod listing;
mod participations;
mod recurrence;
