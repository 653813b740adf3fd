//! Integration tests of the users function (one test binary; modules by topic).

mod authz;
mod avatars;
mod helpers;
mod lambda;
mod misc;
mod profile;
