//! One file per instruction: its accounts struct, arguments and handler.

pub mod admin;
pub mod margin;
pub mod options;

pub use admin::*;
pub use margin::*;
pub use options::*;
