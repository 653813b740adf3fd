//! Integration tests of the local server: the merged app over real TCP, and repository-wide
//! invariants (the two migration folders move in lockstep).

mod harness;
mod limits;
mod migrations;
mod paths;
mod reminders;
mod server;
