#![allow(deprecated)] // see tests/src/lib.rs
//! The integration suite: one test binary, one module per area.

mod cases;
