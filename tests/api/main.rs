//! Integration tests: the real service on a random port, a fresh database per test, HTTP only.
//! SQLite by default; PostgreSQL when CALAB_TEST_DATABASE_URL names a server (any database on it:
//! each test creates its own).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap fails the run

mod helpers;

mod audit;
mod auth;
mod authz;
mod browser;
mod calculators;
mod calibrations;
mod certificates;
mod cli;
mod conventions;
mod customers;
mod intake;
mod migrations;
mod openapi;
mod quality;
mod standards;
mod ui;
mod users;
