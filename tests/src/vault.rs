//! The `liquidation_vault` program on the bench: instruction builders (one
//! per instruction, every signer explicit so tests can forge any of them)
//! and a funded vault on an [`ExchangeFixture`].

use anchor_lang::prelude::{AccountMeta, Pubkey};
use anchor_lang::{InstructionData, ToAccountMetas};
use anchor_spl::token::spl_token;
use liquidation_vault::error::VaultError;
use liquidation_vault::instructions::HealthSplit;
use liquidation_vault::pda as vault_pda;
use liquidation_vault::state::VaultGuards;
use options_margin::pda;
use options_margin::state::MarginAccount;
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_transaction_error::TransactionError;

use crate::bench::TestBench;
use crate::exchange::ExchangeFixture;

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

/// The addresses of one vault: the exchange and creator it is derived
/// from, the vault PDA and its margin account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VaultKeys {
    pub exchange: Pubkey,
    /// The key that created the vault (a seed; not necessarily the
    /// current authority).
    pub creator: Pubkey,
    pub vault: Pubkey,
    pub margin: Pubkey,
}

impl VaultKeys {
    /// The vault `creator` makes on `exchange`.
    pub fn of(exchange: &Pubkey, creator: &Pubkey) -> Self {
        Self {
            exchange: *exchange,
            creator: *creator,
            vault: vault_pda::vault(exchange, creator).0,
            margin: vault_pda::vault_margin_account(exchange, creator),
        }
    }
}

/// The custom error code of a vault error (Anchor's offset added).
pub fn code(e: VaultError) -> u32 {
    anchor_lang::error::ERROR_CODE_OFFSET + e as u32
}

/// `initialize_vault` with explicit vault and margin addresses, so a test
/// can aim at an address that is not the signer's own.
pub fn initialize_vault_at(
    authority: &Pubkey,
    exchange: &Pubkey,
    vault: &Pubkey,
    margin_account: &Pubkey,
) -> Instruction {
    build(
        liquidation_vault::accounts::InitializeVault {
            authority: *authority,
            exchange: *exchange,
            vault: *vault,
            margin_account: *margin_account,
            options_margin_program: options_margin::ID,
            system_program: anchor_lang::system_program::ID,
        },
        liquidation_vault::instruction::InitializeVault {},
        &[],
    )
}

/// `authority` creates its own vault on `exchange`.
pub fn initialize_vault(authority: &Pubkey, exchange: &Pubkey) -> Instruction {
    let k = VaultKeys::of(exchange, authority);
    initialize_vault_at(authority, exchange, &k.vault, &k.margin)
}

/// Moves `amount_native` of `mint` from `vault_token` (held by the vault
/// PDA) into the vault's margin account.
pub fn deposit_to_margin(
    authority: &Pubkey,
    keys: &VaultKeys,
    mint: &Pubkey,
    vault_token: &Pubkey,
    amount_native: u64,
) -> Instruction {
    let exchange = &keys.exchange;
    build(
        liquidation_vault::accounts::DepositToMargin {
            authority: *authority,
            vault: keys.vault,
            exchange: *exchange,
            margin_account: keys.margin,
            collateral: pda::collateral(exchange, mint).0,
            mint: *mint,
            collateral_vault: pda::vault(exchange, mint).0,
            loss_shard: pda::loss_shard_of(exchange, &keys.margin),
            vault_token: *vault_token,
            token_program: spl_token::ID,
            event_authority: pda::event_authority(),
            options_margin_program: options_margin::ID,
        },
        liquidation_vault::instruction::DepositToMargin { amount_native },
        &[],
    )
}

/// Moves `amount_native` of `mint` from the vault's margin account into
/// `vault_token`; `health` are the margin-check accounts of the margin
/// account after the withdrawal.
pub fn withdraw_from_margin(
    authority: &Pubkey,
    keys: &VaultKeys,
    mint: &Pubkey,
    vault_token: &Pubkey,
    amount_native: u64,
    health: &[AccountMeta],
) -> Instruction {
    let exchange = &keys.exchange;
    build(
        liquidation_vault::accounts::WithdrawFromMargin {
            authority: *authority,
            vault: keys.vault,
            exchange: *exchange,
            margin_account: keys.margin,
            collateral: pda::collateral(exchange, mint).0,
            mint: *mint,
            collateral_vault: pda::vault(exchange, mint).0,
            loss_shard: pda::loss_shard_of(exchange, &keys.margin),
            collateral_vault_authority: pda::vault_authority(exchange).0,
            vault_token: *vault_token,
            token_program: spl_token::ID,
            event_authority: pda::event_authority(),
            options_margin_program: options_margin::ID,
        },
        liquidation_vault::instruction::WithdrawFromMargin { amount_native },
        health,
    )
}

/// Pays `amount_native` of `mint` from `vault_token` to `destination`.
pub fn withdraw_tokens(
    authority: &Pubkey,
    vault: &Pubkey,
    mint: &Pubkey,
    vault_token: &Pubkey,
    destination: &Pubkey,
    amount_native: u64,
) -> Instruction {
    build(
        liquidation_vault::accounts::WithdrawTokens {
            authority: *authority,
            vault: *vault,
            vault_token: *vault_token,
            mint: *mint,
            destination: *destination,
            token_program: spl_token::ID,
        },
        liquidation_vault::instruction::WithdrawTokens { amount_native },
        &[],
    )
}

fn authority_only(
    authority: &Pubkey,
    vault: &Pubkey,
) -> liquidation_vault::accounts::AuthorityOnly {
    liquidation_vault::accounts::AuthorityOnly {
        authority: *authority,
        vault: *vault,
    }
}

pub fn set_guards(authority: &Pubkey, vault: &Pubkey, guards: VaultGuards) -> Instruction {
    build(
        authority_only(authority, vault),
        liquidation_vault::instruction::SetGuards { guards },
        &[],
    )
}

pub fn set_keeper(authority: &Pubkey, vault: &Pubkey, keeper: Pubkey) -> Instruction {
    build(
        authority_only(authority, vault),
        liquidation_vault::instruction::SetKeeper { keeper },
        &[],
    )
}

pub fn propose_authority(authority: &Pubkey, vault: &Pubkey, new_authority: Pubkey) -> Instruction {
    build(
        authority_only(authority, vault),
        liquidation_vault::instruction::ProposeAuthority { new_authority },
        &[],
    )
}

pub fn accept_authority(pending_authority: &Pubkey, vault: &Pubkey) -> Instruction {
    build(
        liquidation_vault::accounts::AcceptAuthority {
            pending_authority: *pending_authority,
            vault: *vault,
        },
        liquidation_vault::instruction::AcceptAuthority {},
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

/// A vault crank of `max_calls` = `calls.len()` calls, signed by `cranker`.
pub fn liquidate(
    cranker: &Pubkey,
    keys: &VaultKeys,
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
            cranker: *cranker,
            vault: keys.vault,
            exchange: keys.exchange,
            liquidatee: *liquidatee,
            margin_account: keys.margin,
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
    /// Created the vault and is its authority.
    pub authority: Keypair,
    /// Its addresses (`keys.vault`, `keys.margin` repeated below).
    pub keys: VaultKeys,
    /// The vault PDA (owner of `margin` and signer of its CPIs).
    pub vault: Pubkey,
    /// The vault's options-margin margin account.
    pub margin: Pubkey,
    /// USDC token account held by the vault PDA (the pool).
    pub usdc_token: Pubkey,
}

impl ExchangeFixture {
    /// Creates a vault of a fresh authority, mints `pool_native` USDC to a
    /// token account held by the vault PDA, and deposits `deposit_native`
    /// of it to the margin account through the vault.
    pub async fn setup_vault(
        &self,
        bench: &mut TestBench,
        pool_native: u64,
        deposit_native: u64,
    ) -> VaultFixture {
        let authority = bench.funded_keypair(1_000_000_000).await;
        bench
            .send(
                &[initialize_vault(&authority.pubkey(), &self.exchange)],
                &[&authority],
            )
            .await
            .expect("initialize_vault");
        let keys = VaultKeys::of(&self.exchange, &authority.pubkey());
        let usdc_token = bench
            .create_token_account(&self.usdc.mint, &keys.vault)
            .await;
        bench
            .mint_to(&self.usdc.mint, &usdc_token, pool_native)
            .await;
        let ix = deposit_to_margin(
            &authority.pubkey(),
            &keys,
            &self.usdc.mint,
            &usdc_token,
            deposit_native,
        );
        bench
            .send(&[ix], &[&authority])
            .await
            .expect("deposit_to_margin");
        VaultFixture {
            authority,
            keys,
            vault: keys.vault,
            margin: keys.margin,
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
        let split = self.liquidatee_health(bench, liquidatee).await.len();
        let request = options_margin_client::actions::LiquidationRequest {
            liquidator: vault.keys.vault,
            receiver: vault.margin,
            liquidatee: *liquidatee,
            max_quantity,
            min_fee_native: 0,
        };
        let ix = options_margin_client::actions::liquidation_instruction(
            bench.chain(),
            &self.prices(),
            &request,
        )
        .await
        .expect("liquidation accounts");
        // partial_liquidate's own accounts come first (6), then the two lists.
        let (liquidatee_metas, liquidator) = ix.accounts[6..].split_at(split);
        CallHealth {
            liquidatee: liquidatee_metas.to_vec(),
            liquidator: liquidator.to_vec(),
        }
    }

    /// Sends a crank with the given per-call accounts, signed by `cranker`,
    /// and returns options-margin's events.
    #[allow(clippy::too_many_arguments)]
    pub async fn vault_liquidate_as(
        &self,
        bench: &mut TestBench,
        vault: &VaultFixture,
        cranker: &Keypair,
        liquidatee: &Pubkey,
        max_quantity: u64,
        min_fee_native: u64,
        calls: &[CallHealth],
    ) -> Result<Vec<Vec<u8>>, TransactionError> {
        let ix = liquidate(
            &cranker.pubkey(),
            &vault.keys,
            liquidatee,
            max_quantity,
            min_fee_native,
            calls,
        );
        bench.send_capturing_events(&[ix], &[cranker]).await
    }

    /// [`Self::vault_liquidate_as`] signed by the vault authority.
    pub async fn vault_liquidate_with(
        &self,
        bench: &mut TestBench,
        vault: &VaultFixture,
        liquidatee: &Pubkey,
        max_quantity: u64,
        min_fee_native: u64,
        calls: &[CallHealth],
    ) -> Result<Vec<Vec<u8>>, TransactionError> {
        self.vault_liquidate_as(
            bench,
            vault,
            &vault.authority,
            liquidatee,
            max_quantity,
            min_fee_native,
            calls,
        )
        .await
    }

    /// A single-call crank on the current state, signed by the authority.
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
        self.vault_liquidate_with(
            bench,
            vault,
            liquidatee,
            max_quantity,
            min_fee_native,
            &[call],
        )
        .await
    }

    /// The margin-check accounts of the vault's margin account after
    /// withdrawing `amount_native` of `mint` (as [`ExchangeFixture::withdraw`]
    /// predicts them for a user).
    pub async fn vault_withdrawal_health(
        &self,
        bench: &TestBench,
        vault: &VaultFixture,
        mint: &Pubkey,
        amount_native: u64,
    ) -> Vec<AccountMeta> {
        let mut account: MarginAccount = bench.load_zc(&vault.margin).await;
        if let Some(slot) = account.collateral_slot(mint) {
            let b = &mut account.collaterals[slot].balance_native;
            *b = b.saturating_sub(amount_native as i64);
            account.release_empty_collaterals();
        }
        self.health_accounts_for(bench, &account).await
    }

    /// `withdraw_from_margin` of `amount_native` USDC into the vault's USDC
    /// token account, signed by `signer`, with the predicted margin-check
    /// accounts.
    pub async fn vault_withdraw_from_margin(
        &self,
        bench: &mut TestBench,
        vault: &VaultFixture,
        signer: &Keypair,
        amount_native: u64,
    ) -> Result<(), TransactionError> {
        let mint = self.usdc.mint;
        let health = self
            .vault_withdrawal_health(bench, vault, &mint, amount_native)
            .await;
        let ix = withdraw_from_margin(
            &signer.pubkey(),
            &vault.keys,
            &mint,
            &vault.usdc_token,
            amount_native,
            &health,
        );
        bench.send(&[ix], &[signer]).await
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
