//! The `liquidation_vault` program on the bench: instruction builders and a
//! funded vault on an [`ExchangeFixture`].

use anchor_lang::prelude::{AccountMeta, Pubkey};
use anchor_lang::{InstructionData, ToAccountMetas};
use anchor_spl::token::spl_token;
use liquidation_vault::instructions::HealthSplit;
use liquidation_vault::pda as vault_pda;
use options_margin::pda;
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction_error::TransactionError;

use crate::bench::TestBench;
use crate::exchange::ExchangeFixture;
use crate::liquidation::LIQUIDATION_CU_LIMIT;

fn build(
    accounts: impl ToAccountMetas,
    data: impl InstructionData,
    remaining: &[AccountMeta],
) -> Instruction {
    let mut metas = accounts.to_account_metas(None);
    metas.extend_from_slice(remaining);
    Instruction {
        program_id: liquidation_vault::ID,
        accounts: metas,
        data: data.data(),
    }
}

pub fn initialize_vault(admin: &Pubkey, exchange: &Pubkey) -> Instruction {
    build(
        liquidation_vault::accounts::InitializeVault {
            admin: *admin,
            exchange: *exchange,
            vault: vault_pda::vault(exchange).0,
            margin_account: vault_pda::vault_margin_account(exchange),
            options_margin_program: options_margin::ID,
            system_program: anchor_lang::system_program::ID,
        },
        liquidation_vault::instruction::InitializeVault {},
        &[],
    )
}

/// Moves `amount_native` of `mint` from `vault_token` (held by the vault
/// PDA) into the vault's margin account.
pub fn deposit_to_margin(
    admin: &Pubkey,
    exchange: &Pubkey,
    mint: &Pubkey,
    vault_token: &Pubkey,
    amount_native: u64,
) -> Instruction {
    build(
        liquidation_vault::accounts::DepositToMargin {
            admin: *admin,
            vault: vault_pda::vault(exchange).0,
            exchange: *exchange,
            margin_account: vault_pda::vault_margin_account(exchange),
            collateral: pda::collateral(exchange, mint).0,
            mint: *mint,
            collateral_vault: pda::vault(exchange, mint).0,
            vault_token: *vault_token,
            token_program: spl_token::ID,
            event_authority: pda::event_authority(),
            options_margin_program: options_margin::ID,
        },
        liquidation_vault::instruction::DepositToMargin { amount_native },
        &[],
    )
}

/// The margin-check accounts of one `partial_liquidate` call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallHealth {
    /// The liquidated account's, for its state before the call.
    pub liquidatee: Vec<AccountMeta>,
    /// The vault margin account's, for its state after the call.
    pub liquidator: Vec<AccountMeta>,
}

impl CallHealth {
    /// The same accounts with every key mapped through `map` (keys it does
    /// not name are kept): the layout of an identical book on another bench.
    pub fn translated(&self, map: &[(Pubkey, Pubkey)]) -> Self {
        let tr = |metas: &[AccountMeta]| -> Vec<AccountMeta> {
            metas
                .iter()
                .map(|m| {
                    let key = map
                        .iter()
                        .find(|(from, _)| *from == m.pubkey)
                        .map(|(_, to)| *to)
                        .unwrap_or(m.pubkey);
                    AccountMeta {
                        pubkey: key,
                        ..m.clone()
                    }
                })
                .collect()
        };
        Self {
            liquidatee: tr(&self.liquidatee),
            liquidator: tr(&self.liquidator),
        }
    }
}

/// A vault crank of `max_calls` = `calls.len()` calls.
pub fn liquidate(
    exchange: &Pubkey,
    liquidatee: &Pubkey,
    max_quantity: u64,
    min_fee_native: u64,
    calls: &[CallHealth],
) -> Instruction {
    let health_splits = calls
        .iter()
        .map(|c| HealthSplit {
            liquidatee: c.liquidatee.len() as u8,
            liquidator: c.liquidator.len() as u8,
        })
        .collect();
    let remaining: Vec<AccountMeta> = calls
        .iter()
        .flat_map(|c| c.liquidatee.iter().chain(&c.liquidator).cloned())
        .collect();
    build(
        liquidation_vault::accounts::Liquidate {
            vault: vault_pda::vault(exchange).0,
            exchange: *exchange,
            liquidatee: *liquidatee,
            margin_account: vault_pda::vault_margin_account(exchange),
            event_authority: pda::event_authority(),
            options_margin_program: options_margin::ID,
        },
        liquidation_vault::instruction::Liquidate {
            max_calls: calls.len() as u8,
            max_quantity,
            min_fee_native,
            health_splits,
        },
        &remaining,
    )
}

/// A vault with its margin account funded in USDC.
pub struct VaultFixture {
    pub admin: Keypair,
    /// The vault PDA (owner of `margin` and signer of its CPIs).
    pub vault: Pubkey,
    /// The vault's options-margin margin account.
    pub margin: Pubkey,
    /// USDC token account held by the vault PDA (the pool).
    pub usdc_token: Pubkey,
}

impl ExchangeFixture {
    /// Creates the vault, mints `pool_native` USDC to a token account held
    /// by the vault PDA, and deposits `deposit_native` of it to the margin
    /// account through the vault.
    pub async fn setup_vault(
        &self,
        bench: &mut TestBench,
        pool_native: u64,
        deposit_native: u64,
    ) -> VaultFixture {
        let admin = bench.funded_keypair(1_000_000_000).await;
        bench
            .send(
                &[initialize_vault(&admin.pubkey(), &self.exchange)],
                &[&admin],
            )
            .await
            .expect("initialize_vault");
        let vault = vault_pda::vault(&self.exchange).0;
        let usdc_token = bench.create_token_account(&self.usdc.mint, &vault).await;
        bench
            .mint_to(&self.usdc.mint, &usdc_token, pool_native)
            .await;
        let ix = deposit_to_margin(
            &admin.pubkey(),
            &self.exchange,
            &self.usdc.mint,
            &usdc_token,
            deposit_native,
        );
        bench
            .send(&[ix], &[&admin])
            .await
            .expect("deposit_to_margin");
        VaultFixture {
            admin,
            vault,
            margin: vault_pda::vault_margin_account(&self.exchange),
            usdc_token,
        }
    }

    /// The accounts of a vault call on the current state of `liquidatee`,
    /// predicted exactly as for a direct `partial_liquidate`.
    pub async fn vault_call_health(
        &self,
        bench: &TestBench,
        vault: &VaultFixture,
        liquidatee: &Pubkey,
        max_quantity: u64,
    ) -> CallHealth {
        let liquidatee_metas = self.liquidatee_health(bench, liquidatee).await;
        let liquidator = self
            .liquidator_health_after(
                bench,
                &vault.margin,
                liquidatee,
                &liquidatee_metas,
                max_quantity,
            )
            .await;
        CallHealth {
            liquidatee: liquidatee_metas,
            liquidator,
        }
    }

    /// Sends a crank with the given per-call accounts, signed by a fresh
    /// cranker, and returns options-margin's events.
    pub async fn vault_liquidate_with(
        &self,
        bench: &mut TestBench,
        liquidatee: &Pubkey,
        max_quantity: u64,
        min_fee_native: u64,
        calls: &[CallHealth],
    ) -> Result<Vec<Vec<u8>>, TransactionError> {
        let ix = liquidate(
            &self.exchange,
            liquidatee,
            max_quantity,
            min_fee_native,
            calls,
        );
        bench
            .send_capturing_events_with_cu(&[ix], &[], LIQUIDATION_CU_LIMIT)
            .await
    }

    /// A single-call crank on the current state.
    pub async fn vault_liquidate(
        &self,
        bench: &mut TestBench,
        vault: &VaultFixture,
        liquidatee: &Pubkey,
        max_quantity: u64,
        min_fee_native: u64,
    ) -> Result<Vec<Vec<u8>>, TransactionError> {
        let call = self
            .vault_call_health(bench, vault, liquidatee, max_quantity)
            .await;
        self.vault_liquidate_with(bench, liquidatee, max_quantity, min_fee_native, &[call])
            .await
    }
}

/// Every event of type `E` among captured event payloads, in order.
pub fn all_events<E: anchor_lang::Event + anchor_lang::AnchorDeserialize>(
    events: &[Vec<u8>],
) -> Vec<E> {
    events
        .iter()
        .filter(|d| d.len() >= 8 && &d[..8] == E::DISCRIMINATOR)
        .filter_map(|d| E::try_from_slice(&d[8..]).ok())
        .collect()
}
