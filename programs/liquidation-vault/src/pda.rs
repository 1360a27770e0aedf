//! Addresses of the vault's accounts, for clients and the program.

use anchor_lang::prelude::Pubkey;

use crate::state::VAULT_SEED;

/// The vault of an options-margin exchange: `["vault", exchange]`.
pub fn vault(exchange: &Pubkey) -> (Pubkey, u8) {
    Pubkey::find_program_address(&[VAULT_SEED, exchange.as_ref()], &crate::ID)
}

/// The vault's options-margin margin account (index
/// [`crate::state::VAULT_MARGIN_ACCOUNT_INDEX`], owner: the vault PDA).
pub fn vault_margin_account(exchange: &Pubkey) -> Pubkey {
    let vault = vault(exchange).0;
    options_margin::pda::margin_account(exchange, &vault, crate::state::VAULT_MARGIN_ACCOUNT_INDEX)
        .0
}
