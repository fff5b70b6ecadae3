//! Web tests: the real app on a random port over a fresh database, spoken to over HTTP.

mod api;
mod authz;
mod harness;
mod pages;
mod security;
