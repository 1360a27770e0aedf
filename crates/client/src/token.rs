//! SPL Token plumbing a client needs: associated token accounts, mints
//! (for local ledgers and test mints: the payer is the mint authority) and
//! balances. Classic SPL Token only, as the program.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::program_pack::Pack;
use anchor_spl::associated_token::{get_associated_token_address, spl_associated_token_account};
use anchor_spl::token::spl_token;
use solana_account::Account;
use solana_instruction::Instruction;
use solana_system_interface::instruction as system_instruction;

use crate::error::{ClientError, ClientResult};

/// The associated token account of `owner` for `mint`.
pub fn ata(owner: &Pubkey, mint: &Pubkey) -> Pubkey {
    get_associated_token_address(owner, mint)
}

/// Creates `owner`'s associated token account for `mint` if it does not exist.
pub fn create_ata_idempotent(payer: &Pubkey, owner: &Pubkey, mint: &Pubkey) -> Instruction {
    spl_associated_token_account::instruction::create_associated_token_account_idempotent(
        payer,
        owner,
        mint,
        &spl_token::ID,
    )
}

/// Creates the mint at `mint` (a fresh keypair that signs) with
/// `decimals`, minted by `authority`; `rent_lamports` from the chain.
pub fn create_mint(
    payer: &Pubkey,
    mint: &Pubkey,
    authority: &Pubkey,
    decimals: u8,
    rent_lamports: u64,
) -> ClientResult<Vec<Instruction>> {
    Ok(vec![
        system_instruction::create_account(
            payer,
            mint,
            rent_lamports,
            spl_token::state::Mint::LEN as u64,
            &spl_token::ID,
        ),
        spl_token::instruction::initialize_mint2(&spl_token::ID, mint, authority, None, decimals)
            .map_err(|e| ClientError::Input(format!("initialize_mint2: {e}")))?,
    ])
}

/// unit: bytes. A mint account's size.
pub const MINT_LEN: usize = spl_token::state::Mint::LEN;

/// Mints `amount_native` of `mint` (signed by `authority`) to `to`.
pub fn mint_to(
    mint: &Pubkey,
    to: &Pubkey,
    authority: &Pubkey,
    amount_native: u64,
) -> ClientResult<Instruction> {
    spl_token::instruction::mint_to(&spl_token::ID, mint, to, authority, &[], amount_native)
        .map_err(|e| ClientError::Input(format!("mint_to: {e}")))
}

/// unit: token native. The balance of a token account.
pub fn token_amount(key: &Pubkey, account: &Account) -> ClientResult<u64> {
    spl_token::state::Account::unpack(&account.data)
        .map(|a| a.amount)
        .map_err(|_| ClientError::BadAccount(*key, "not an SPL token account".into()))
}

/// The decimals of a mint account.
pub fn mint_decimals(key: &Pubkey, account: &Account) -> ClientResult<u8> {
    spl_token::state::Mint::unpack(&account.data)
        .map(|m| m.decimals)
        .map_err(|_| ClientError::BadAccount(*key, "not an SPL mint".into()))
}
