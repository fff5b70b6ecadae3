//! Web tests: the real app on a random port over a fresh database, spoken to over HTTP.

mod api;
mod authz;
mod governance;
mod harness;
mod imports;
mod indicators;
mod mail;
mod measures;
mod open311;
mod pages;
mod problems;
mod rapid_action;
mod reports_public;
mod reports_staff;
mod results;
mod security;
mod serious_talks;
mod situation;
mod tertial;
mod walks;
