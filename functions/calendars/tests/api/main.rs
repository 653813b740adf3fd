//! Integration tests of the calendars function (one test binary; modules by topic).

mod authz;
mod calendars;
mod helpers;
mod holidays;
mod lambda;
mod members;
