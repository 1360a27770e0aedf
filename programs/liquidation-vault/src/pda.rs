//! Addresses of the vault's accounts, for clients and the program.

use anchor_lang::prelude::Pubkey;

use crate::state::VAULT_SEED;

/// The vault `creator` made on an options-margin exchange:
/// `["vault", exchange, creator]`.
pub fn vault(exchange: &Pubkey, creator: &Pubkey) -> (Pubkey, u8) {
    Pubkey::find_program_address(
        &[VAULT_SEED, exchange.as_ref(), creator.as_ref()],
        &crate::ID,
    )
}

/// The vault's options-margin margin account (index
/// [`crate::state::VAULT_MARGIN_ACCOUNT_INDEX`], owner: the vault PDA).
pub fn vault_margin_account(exchange: &Pubkey, creator: &Pubkey) -> Pubkey {
    margin_account_of(exchange, &vault(exchange, creator).0)
}

/// The margin account of the vault PDA `vault` on `exchange`.
pub fn margin_account_of(exchange: &Pubkey, vault: &Pubkey) -> Pubkey {
    options_margin::pda::margin_account(exchange, vault, crate::state::VAULT_MARGIN_ACCOUNT_INDEX).0
}
