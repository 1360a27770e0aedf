//! Account layouts. Every account is `zero_copy` with explicit padding,
//! `reserved` bytes for upgrades and a compile-time size assertion, so the
//! layout is identical on the host and on SBF.

pub mod collateral;
pub mod exchange;
pub mod loss_shard;
pub mod margin_account;
pub mod series;
pub mod underlying;

pub use collateral::*;
pub use exchange::*;
pub use loss_shard::*;
pub use margin_account::*;
pub use series::*;
pub use underlying::*;
