//! calab: a laboratory system for ISO/IEC 17025 calibration, verification and testing labs.

pub mod api;
pub mod backup;
pub mod clock;
pub mod config;
pub mod db;
pub mod dcc;
pub mod demo;
pub mod domain;
pub mod error;
pub mod limits;
pub mod pdf;
pub mod services;
pub mod startup;
pub mod telemetry;
#[doc(hidden)]
pub mod testing;
pub mod ui;
