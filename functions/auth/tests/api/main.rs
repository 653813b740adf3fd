//! Integration tests of the auth function (one test binary; modules by topic).

mod concurrency;
mod edge;
mod email;
mod helpers;
mod lambda;
mod login;
mod register;
mod sessions;
