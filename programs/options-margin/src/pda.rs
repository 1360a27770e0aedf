//! Addresses of the program's accounts, for clients (tests, CLI, bot) and
//! for the program itself.

use anchor_lang::prelude::Pubkey;

use crate::constants::{
    COLLATERAL_SEED, EXCHANGE_SEED, MARGIN_SEED, VAULT_AUTHORITY_SEED, VAULT_SEED,
};

pub fn exchange(creator: &Pubkey) -> (Pubkey, u8) {
    Pubkey::find_program_address(&[EXCHANGE_SEED, creator.as_ref()], &crate::ID)
}

pub fn vault_authority(exchange: &Pubkey) -> (Pubkey, u8) {
    Pubkey::find_program_address(&[VAULT_AUTHORITY_SEED, exchange.as_ref()], &crate::ID)
}

pub fn collateral(exchange: &Pubkey, mint: &Pubkey) -> (Pubkey, u8) {
    Pubkey::find_program_address(
        &[COLLATERAL_SEED, exchange.as_ref(), mint.as_ref()],
        &crate::ID,
    )
}

pub fn vault(exchange: &Pubkey, mint: &Pubkey) -> (Pubkey, u8) {
    Pubkey::find_program_address(&[VAULT_SEED, exchange.as_ref(), mint.as_ref()], &crate::ID)
}

pub fn margin_account(exchange: &Pubkey, owner: &Pubkey, account_index: u16) -> (Pubkey, u8) {
    Pubkey::find_program_address(
        &[
            MARGIN_SEED,
            exchange.as_ref(),
            owner.as_ref(),
            &account_index.to_le_bytes(),
        ],
        &crate::ID,
    )
}

pub fn loss_shard(exchange: &Pubkey, index: u8) -> (Pubkey, u8) {
    Pubkey::find_program_address(
        &[
            crate::constants::LOSS_SHARD_SEED,
            exchange.as_ref(),
            &[index],
        ],
        &crate::ID,
    )
}

/// The loss shard of `margin_account`.
pub fn loss_shard_of(exchange: &Pubkey, margin_account: &Pubkey) -> Pubkey {
    loss_shard(exchange, crate::constants::loss_shard_index(margin_account)).0
}

/// The `emit_cpi!` event authority.
pub fn event_authority() -> Pubkey {
    Pubkey::find_program_address(&[b"__event_authority"], &crate::ID).0
}

pub fn underlying(exchange: &Pubkey, index: u8) -> (Pubkey, u8) {
    Pubkey::find_program_address(
        &[
            crate::constants::UNDERLYING_SEED,
            exchange.as_ref(),
            &[index],
        ],
        &crate::ID,
    )
}

pub fn series(underlying: &Pubkey, terms: &crate::instructions::SeriesTerms) -> (Pubkey, u8) {
    Pubkey::find_program_address(
        &[
            crate::constants::SERIES_SEED,
            underlying.as_ref(),
            &[terms.is_call as u8],
            &terms.strike_e12.to_le_bytes(),
            &terms.expiry_ts.to_le_bytes(),
        ],
        &crate::ID,
    )
}
