//! Admin-signed instructions: exchange setup, parameters, collateral registry.

pub mod add_collateral;
pub mod create_loss_shards;
pub mod initialize_exchange;
pub mod set_exchange_params;
pub mod update_collateral;

pub use add_collateral::*;
pub use create_loss_shards::*;
pub use initialize_exchange::*;
pub use set_exchange_params::*;
pub use update_collateral::*;
