//! One builder per instruction, from Anchor's generated account structs and
//! instruction data, exactly as a client would build them.

use anchor_lang::prelude::{AccountMeta, Pubkey};
use anchor_lang::{InstructionData, ToAccountMetas};
use anchor_spl::token::spl_token;
use options_margin::instructions::CollateralParams;
use options_margin::pda;
use options_margin::state::RiskParams;
use solana_instruction::Instruction;

fn build(
    accounts: impl ToAccountMetas,
    data: impl InstructionData,
    remaining: &[AccountMeta],
) -> Instruction {
    let mut metas = accounts.to_account_metas(None);
    metas.extend_from_slice(remaining);
    Instruction {
        program_id: options_margin::ID,
        accounts: metas,
        data: data.data(),
    }
}

pub fn initialize_exchange(
    creator: &Pubkey,
    vol_authority: Pubkey,
    risk: RiskParams,
) -> Instruction {
    let exchange = pda::exchange(creator).0;
    build(
        options_margin::accounts::InitializeExchange {
            creator: *creator,
            exchange,
            vault_authority: pda::vault_authority(&exchange).0,
            system_program: anchor_lang::system_program::ID,
        },
        options_margin::instruction::InitializeExchange {
            vol_authority,
            risk,
        },
        &[],
    )
}

fn admin_only(admin: &Pubkey, exchange: &Pubkey) -> options_margin::accounts::AdminOnly {
    options_margin::accounts::AdminOnly {
        admin: *admin,
        exchange: *exchange,
    }
}

pub fn propose_risk_params(admin: &Pubkey, exchange: &Pubkey, risk: RiskParams) -> Instruction {
    build(
        admin_only(admin, exchange),
        options_margin::instruction::ProposeRiskParams { risk },
        &[],
    )
}

pub fn apply_risk_params(exchange: &Pubkey) -> Instruction {
    build(
        options_margin::accounts::ApplyRiskParams {
            exchange: *exchange,
        },
        options_margin::instruction::ApplyRiskParams {},
        &[],
    )
}

pub fn set_pause_flags(admin: &Pubkey, exchange: &Pubkey, pause_flags: u8) -> Instruction {
    build(
        admin_only(admin, exchange),
        options_margin::instruction::SetPauseFlags { pause_flags },
        &[],
    )
}

pub fn set_vol_authority(admin: &Pubkey, exchange: &Pubkey, vol_authority: Pubkey) -> Instruction {
    build(
        admin_only(admin, exchange),
        options_margin::instruction::SetVolAuthority { vol_authority },
        &[],
    )
}

pub fn propose_admin(admin: &Pubkey, exchange: &Pubkey, new_admin: Pubkey) -> Instruction {
    build(
        admin_only(admin, exchange),
        options_margin::instruction::ProposeAdmin { new_admin },
        &[],
    )
}

pub fn accept_admin(pending_admin: &Pubkey, exchange: &Pubkey) -> Instruction {
    build(
        options_margin::accounts::AcceptAdmin {
            pending_admin: *pending_admin,
            exchange: *exchange,
        },
        options_margin::instruction::AcceptAdmin {},
        &[],
    )
}

pub fn add_collateral(
    admin: &Pubkey,
    exchange: &Pubkey,
    mint: &Pubkey,
    is_settlement: bool,
    params: CollateralParams,
) -> Instruction {
    build(
        options_margin::accounts::AddCollateral {
            admin: *admin,
            exchange: *exchange,
            mint: *mint,
            collateral: pda::collateral(exchange, mint).0,
            vault: pda::vault(exchange, mint).0,
            vault_authority: pda::vault_authority(exchange).0,
            token_program: spl_token::ID,
            system_program: anchor_lang::system_program::ID,
        },
        options_margin::instruction::AddCollateral {
            is_settlement,
            params,
        },
        &[],
    )
}

fn update_collateral_accounts(
    admin: &Pubkey,
    exchange: &Pubkey,
    mint: &Pubkey,
) -> options_margin::accounts::UpdateCollateral {
    options_margin::accounts::UpdateCollateral {
        admin: *admin,
        exchange: *exchange,
        collateral: pda::collateral(exchange, mint).0,
    }
}

pub fn propose_collateral_params(
    admin: &Pubkey,
    exchange: &Pubkey,
    mint: &Pubkey,
    params: CollateralParams,
) -> Instruction {
    build(
        update_collateral_accounts(admin, exchange, mint),
        options_margin::instruction::ProposeCollateralParams { params },
        &[],
    )
}

pub fn apply_collateral_params(exchange: &Pubkey, mint: &Pubkey) -> Instruction {
    build(
        options_margin::accounts::ApplyCollateralParams {
            exchange: *exchange,
            collateral: pda::collateral(exchange, mint).0,
        },
        options_margin::instruction::ApplyCollateralParams {},
        &[],
    )
}

pub fn set_deposit_cap(
    admin: &Pubkey,
    exchange: &Pubkey,
    mint: &Pubkey,
    deposit_cap_native: u64,
) -> Instruction {
    build(
        update_collateral_accounts(admin, exchange, mint),
        options_margin::instruction::SetDepositCap { deposit_cap_native },
        &[],
    )
}

pub fn create_margin_account(owner: &Pubkey, exchange: &Pubkey, account_index: u16) -> Instruction {
    build(
        options_margin::accounts::CreateMarginAccount {
            owner: *owner,
            exchange: *exchange,
            margin_account: pda::margin_account(exchange, owner, account_index).0,
            system_program: anchor_lang::system_program::ID,
        },
        options_margin::instruction::CreateMarginAccount { account_index },
        &[],
    )
}

/// Accounts of a deposit or withdrawal, so tests can substitute any of them.
#[derive(Clone, Copy, Debug)]
pub struct TransferAccounts {
    pub owner: Pubkey,
    pub exchange: Pubkey,
    pub margin_account: Pubkey,
    pub collateral: Pubkey,
    pub mint: Pubkey,
    pub vault: Pubkey,
    /// Deposit: the source. Withdraw: the destination.
    pub token_account: Pubkey,
    pub token_program: Pubkey,
}

impl TransferAccounts {
    /// The canonical accounts for `owner`'s account `margin_account` and `mint`.
    pub fn new(
        owner: Pubkey,
        exchange: Pubkey,
        margin_account: Pubkey,
        mint: Pubkey,
        token_account: Pubkey,
    ) -> Self {
        Self {
            owner,
            exchange,
            margin_account,
            collateral: pda::collateral(&exchange, &mint).0,
            mint,
            vault: pda::vault(&exchange, &mint).0,
            token_account,
            token_program: spl_token::ID,
        }
    }
}

pub fn deposit(a: &TransferAccounts, amount_native: u64) -> Instruction {
    build(
        options_margin::accounts::Deposit {
            owner: a.owner,
            exchange: a.exchange,
            margin_account: a.margin_account,
            collateral: a.collateral,
            mint: a.mint,
            vault: a.vault,
            owner_token: a.token_account,
            loss_shard: pda::loss_shard_of(&a.exchange, &a.margin_account),
            token_program: a.token_program,
            event_authority: pda::event_authority(),
            program: options_margin::ID,
        },
        options_margin::instruction::Deposit { amount_native },
        &[],
    )
}

pub fn withdraw(a: &TransferAccounts, amount_native: u64, health: &[AccountMeta]) -> Instruction {
    build(
        options_margin::accounts::Withdraw {
            owner: a.owner,
            exchange: a.exchange,
            margin_account: a.margin_account,
            collateral: a.collateral,
            mint: a.mint,
            vault: a.vault,
            vault_authority: pda::vault_authority(&a.exchange).0,
            destination: a.token_account,
            loss_shard: pda::loss_shard_of(&a.exchange, &a.margin_account),
            token_program: a.token_program,
            event_authority: pda::event_authority(),
            program: options_margin::ID,
        },
        options_margin::instruction::Withdraw { amount_native },
        health,
    )
}

pub fn close_margin_account(
    owner: &Pubkey,
    margin_account: &Pubkey,
    rent_receiver: &Pubkey,
) -> Instruction {
    build(
        options_margin::accounts::CloseMarginAccount {
            owner: *owner,
            rent_receiver: *rent_receiver,
            margin_account: *margin_account,
        },
        options_margin::instruction::CloseMarginAccount {},
        &[],
    )
}

pub fn add_underlying(
    admin: &Pubkey,
    exchange: &Pubkey,
    index: u8,
    params: options_margin::instructions::UnderlyingParams,
) -> Instruction {
    build(
        options_margin::accounts::AddUnderlying {
            admin: *admin,
            exchange: *exchange,
            underlying: pda::underlying(exchange, index).0,
            system_program: anchor_lang::system_program::ID,
        },
        options_margin::instruction::AddUnderlying { params },
        &[],
    )
}

pub fn create_series(
    admin: &Pubkey,
    exchange: &Pubkey,
    underlying: &Pubkey,
    terms: options_margin::instructions::SeriesTerms,
) -> Instruction {
    build(
        options_margin::accounts::CreateSeries {
            admin: *admin,
            exchange: *exchange,
            underlying: *underlying,
            series: pda::series(underlying, &terms).0,
            system_program: anchor_lang::system_program::ID,
        },
        options_margin::instruction::CreateSeries { terms },
        &[],
    )
}

pub fn set_volatility(
    vol_authority: &Pubkey,
    exchange: &Pubkey,
    underlying: &Pubkey,
    series: &Pubkey,
    vol_e6: u32,
) -> Instruction {
    build(
        options_margin::accounts::SetVolatility {
            vol_authority: *vol_authority,
            exchange: *exchange,
            underlying: *underlying,
            series: *series,
            event_authority: pda::event_authority(),
            program: options_margin::ID,
        },
        options_margin::instruction::SetVolatility { vol_e6 },
        &[],
    )
}

pub fn refresh_series_risk(underlying: &Pubkey, series: &Pubkey, oracle: &Pubkey) -> Instruction {
    build(
        options_margin::accounts::RefreshSeriesRisk {
            underlying: *underlying,
            series: *series,
            oracle: *oracle,
            event_authority: pda::event_authority(),
            program: options_margin::ID,
        },
        options_margin::instruction::RefreshSeriesRisk {},
        &[],
    )
}

/// Accounts of a trade.
#[derive(Clone, Copy, Debug)]
pub struct TradeAccounts {
    pub owner_a: Pubkey,
    pub owner_b: Pubkey,
    pub exchange: Pubkey,
    pub account_a: Pubkey,
    pub account_b: Pubkey,
    pub series: Pubkey,
}

pub fn trade(
    a: &TradeAccounts,
    size_lots: i64,
    premium_per_contract_native: u64,
    health_a: &[AccountMeta],
    health_b: &[AccountMeta],
) -> Instruction {
    let health: Vec<AccountMeta> = health_a.iter().chain(health_b).cloned().collect();
    build(
        options_margin::accounts::Trade {
            owner_a: a.owner_a,
            owner_b: a.owner_b,
            exchange: a.exchange,
            account_a: a.account_a,
            account_b: a.account_b,
            loss_shard_a: pda::loss_shard_of(&a.exchange, &a.account_a),
            loss_shard_b: pda::loss_shard_of(&a.exchange, &a.account_b),
            series: a.series,
            event_authority: pda::event_authority(),
            program: options_margin::ID,
        },
        options_margin::instruction::Trade {
            args: options_margin::instructions::TradeArgs {
                size_lots,
                premium_per_contract_native,
                health_accounts_a: health_a.len() as u8,
            },
        },
        &health,
    )
}

pub fn settle_series(underlying: &Pubkey, series: &Pubkey, oracle: &Pubkey) -> Instruction {
    build(
        options_margin::accounts::SettleSeries {
            underlying: *underlying,
            series: *series,
            oracle: *oracle,
            event_authority: pda::event_authority(),
            program: options_margin::ID,
        },
        options_margin::instruction::SettleSeries {},
        &[],
    )
}

pub fn settle_positions(
    exchange: &Pubkey,
    margin_account: &Pubkey,
    series: &Pubkey,
) -> Instruction {
    build(
        options_margin::accounts::SettlePositions {
            exchange: *exchange,
            margin_account: *margin_account,
            series: *series,
            loss_shard: pda::loss_shard_of(exchange, margin_account),
            event_authority: pda::event_authority(),
            program: options_margin::ID,
        },
        options_margin::instruction::SettlePositions {},
        &[],
    )
}

pub fn partial_liquidate(
    liquidator: &Pubkey,
    exchange: &Pubkey,
    liquidatee: &Pubkey,
    liquidator_account: &Pubkey,
    args: options_margin::instructions::LiquidateArgs,
    health_liquidatee: &[AccountMeta],
    health_liquidator: &[AccountMeta],
) -> Instruction {
    let health: Vec<AccountMeta> = health_liquidatee
        .iter()
        .chain(health_liquidator)
        .cloned()
        .collect();
    build(
        options_margin::accounts::PartialLiquidate {
            liquidator: *liquidator,
            exchange: *exchange,
            liquidatee: *liquidatee,
            liquidator_account: *liquidator_account,
            event_authority: pda::event_authority(),
            program: options_margin::ID,
        },
        options_margin::instruction::PartialLiquidate { args },
        &health,
    )
}

pub fn deposit_insurance(
    depositor: &Pubkey,
    exchange: &Pubkey,
    mint: &Pubkey,
    depositor_token: &Pubkey,
    amount_native: u64,
) -> Instruction {
    build(
        options_margin::accounts::DepositInsurance {
            depositor: *depositor,
            exchange: *exchange,
            collateral: pda::collateral(exchange, mint).0,
            mint: *mint,
            vault: pda::vault(exchange, mint).0,
            depositor_token: *depositor_token,
            token_program: spl_token::ID,
            event_authority: pda::event_authority(),
            program: options_margin::ID,
        },
        options_margin::instruction::DepositInsurance { amount_native },
        &[],
    )
}

pub fn resolve_bankruptcy(
    exchange: &Pubkey,
    margin_account: &Pubkey,
    settlement_mint: &Pubkey,
) -> Instruction {
    build(
        options_margin::accounts::ResolveBankruptcy {
            exchange: *exchange,
            margin_account: *margin_account,
            settlement_collateral: pda::collateral(exchange, settlement_mint).0,
            event_authority: pda::event_authority(),
            program: options_margin::ID,
        },
        options_margin::instruction::ResolveBankruptcy {},
        &loss_shards_for(exchange, Some(margin_account)),
    )
}

/// The exchange's loss shards in index order, `writable_for`'s own writable
/// (the list `resolve_bankruptcy` starts its remaining accounts with).
pub fn loss_shards_for(exchange: &Pubkey, writable_for: Option<&Pubkey>) -> Vec<AccountMeta> {
    let own = writable_for.map(options_margin::constants::loss_shard_index);
    (0..options_margin::constants::LOSS_SHARDS)
        .map(|i| {
            let key = pda::loss_shard(exchange, i).0;
            if Some(i) == own {
                AccountMeta::new(key, false)
            } else {
                AccountMeta::new_readonly(key, false)
            }
        })
        .collect()
}

/// Creates the exchange's loss shards (paid by `payer`).
pub fn create_loss_shards(payer: &Pubkey, exchange: &Pubkey) -> Instruction {
    let shards: Vec<AccountMeta> = (0..options_margin::constants::LOSS_SHARDS)
        .map(|i| AccountMeta::new(pda::loss_shard(exchange, i).0, false))
        .collect();
    build(
        options_margin::accounts::CreateLossShards {
            payer: *payer,
            exchange: *exchange,
            system_program: anchor_lang::system_program::ID,
        },
        options_margin::instruction::CreateLossShards {},
        &shards,
    )
}

/// Sweeps the insurance accruals of `margin_accounts` (all writable).
pub fn sweep_insurance(
    exchange: &Pubkey,
    settlement_mint: &Pubkey,
    margin_accounts: &[Pubkey],
) -> Instruction {
    let metas: Vec<AccountMeta> = margin_accounts
        .iter()
        .map(|m| AccountMeta::new(*m, false))
        .collect();
    build(
        options_margin::accounts::SweepInsurance {
            exchange: *exchange,
            settlement_collateral: pda::collateral(exchange, settlement_mint).0,
            event_authority: pda::event_authority(),
            program: options_margin::ID,
        },
        options_margin::instruction::SweepInsurance {},
        &metas,
    )
}

pub fn book_socialized_loss(
    exchange: &Pubkey,
    margin_account: &Pubkey,
    settlement_mint: &Pubkey,
) -> Instruction {
    build(
        options_margin::accounts::BookSocializedLoss {
            exchange: *exchange,
            margin_account: *margin_account,
            settlement_collateral: pda::collateral(exchange, settlement_mint).0,
            loss_shard: pda::loss_shard_of(exchange, margin_account),
        },
        options_margin::instruction::BookSocializedLoss {},
        &[],
    )
}
