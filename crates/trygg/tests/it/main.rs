//! Tests of the `trygg` binary as a user runs it: real processes, real
//! databases, a real server on a real port, a real browser.

mod analyze;
mod browser;
mod cli;
mod demo_results;
mod partner;
