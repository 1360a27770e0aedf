//! Creating program accounts at PDAs.
//!
//! Anchor 1.2's `init` treats an address that already holds lamports as
//! "prefunded" and calls the system program's `CreateAccountAllowPrefund`,
//! which runtimes without that instruction reject. Anyone can send lamports
//! to a PDA before it exists, so with `init` a griefer could block the
//! creation of an exchange, a collateral config, a vault or a margin account
//! forever. These helpers create the account either way: `create_account`
//! when the address is empty, otherwise top up the rent, `allocate` and
//! `assign` (each signed by the PDA), which every runtime supports.

use anchor_lang::prelude::*;
use anchor_lang::system_program::{self, Allocate, Assign, CreateAccount, Transfer};
use anchor_lang::Discriminator;

use crate::error::ErrorCode;

/// The accounts a PDA creation needs.
pub struct NewPda<'a, 'info> {
    pub payer: &'a AccountInfo<'info>,
    pub target: &'a AccountInfo<'info>,
    pub system_program: &'a AccountInfo<'info>,
}

/// Creates `target` with `space` bytes owned by `owner`, rent-exempt, signed
/// by `seeds` (which must include the bump). Refuses an address that is
/// already in use (`AccountAlreadyInitialized`), whatever it holds.
pub fn create_pda_account(
    new: &NewPda,
    space: usize,
    owner: &Pubkey,
    seeds: &[&[u8]],
) -> Result<()> {
    let rent = Rent::get()?.minimum_balance(space);
    let current = new.target.lamports();
    let signer: &[&[&[u8]]] = &[seeds];
    let system = new.system_program.key();
    if current == 0 {
        let accounts = CreateAccount {
            from: new.payer.clone(),
            to: new.target.clone(),
        };
        return system_program::create_account(
            CpiContext::new_with_signer(system, accounts, signer),
            rent,
            space as u64,
            owner,
        );
    }
    require!(
        new.target.owner == &system_program::ID && new.target.data_is_empty(),
        ErrorCode::AccountAlreadyInitialized
    );
    if rent > current {
        let accounts = Transfer {
            from: new.payer.clone(),
            to: new.target.clone(),
        };
        system_program::transfer(CpiContext::new(system, accounts), rent - current)?;
    }
    let accounts = Allocate {
        account_to_allocate: new.target.clone(),
    };
    system_program::allocate(
        CpiContext::new_with_signer(system, accounts, signer),
        space as u64,
    )?;
    let accounts = Assign {
        account_to_assign: new.target.clone(),
    };
    system_program::assign(CpiContext::new_with_signer(system, accounts, signer), owner)
}

/// Writes a freshly created zero-copy account: its discriminator, then `value`.
pub fn write_new_account<T: bytemuck::Pod + Discriminator>(
    info: &AccountInfo,
    value: &T,
) -> Result<()> {
    let mut data = info.try_borrow_mut_data()?;
    let size = 8 + core::mem::size_of::<T>();
    require!(data.len() >= size, ErrorCode::AccountAlreadyInitialized);
    data[..8].copy_from_slice(T::DISCRIMINATOR);
    data[8..size].copy_from_slice(bytemuck::bytes_of(value));
    Ok(())
}
