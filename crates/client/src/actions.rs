//! The instructions a client sends, assembled from on-chain state: the
//! margin-check accounts of each account for the state the program will
//! check, the refreshes a transaction must start with, and a liquidation
//! planned off-chain by the program's own code. The CLI, the bot and the
//! simulator all build their transactions here.

use anchor_lang::prelude::{AccountMeta, Pubkey};
use options_margin::instructions::LiquidateArgs;
use options_margin::state::{Exchange, MarginAccount, Series};
use solana_instruction::Instruction;

use crate::chain::Chain;
use crate::decode::fetch;
use crate::error::{ClientError, ClientResult};
use crate::health::{
    after_trade, health_metas, refresh_instructions, series_with_oracle, HealthContext,
};
use crate::ix::{self, TradeAccounts, TransferAccounts};
use crate::oracles::PriceAccounts;
use crate::pda;
use crate::token;

/// One side of a trade: the owner and the index of its margin account.
#[derive(Clone, Copy, Debug)]
pub struct Side {
    pub owner: Pubkey,
    pub account_index: u16,
}

impl Side {
    pub fn margin(&self, exchange: &Pubkey) -> Pubkey {
        pda::margin_account(exchange, &self.owner, self.account_index).0
    }
}

/// A deposit of `amount_native` of `mint` from the owner's associated token account.
pub fn deposit(exchange: &Pubkey, side: Side, mint: &Pubkey, amount_native: u64) -> Instruction {
    let margin = side.margin(exchange);
    ix::deposit(
        &TransferAccounts::new(
            side.owner,
            *exchange,
            margin,
            *mint,
            token::ata(&side.owner, mint),
        ),
        amount_native,
    )
}

/// A withdrawal of `amount_native` of `mint` to the owner's associated
/// token account (created first if missing), with the margin-check
/// accounts of the account as it stands.
pub async fn withdraw<C: Chain>(
    chain: &C,
    prices: &PriceAccounts,
    exchange: &Pubkey,
    side: Side,
    mint: &Pubkey,
    amount_native: u64,
) -> ClientResult<Vec<Instruction>> {
    let margin = side.margin(exchange);
    let ex: Exchange = fetch(chain, exchange).await?;
    let account: MarginAccount = fetch(chain, &margin).await?;
    let health = health_metas(chain, prices, exchange, &ex, &account).await?;
    let mut out = refresh_instructions(chain, prices, &account, &[]).await?;
    out.push(token::create_ata_idempotent(&side.owner, &side.owner, mint));
    out.push(ix::withdraw(
        &TransferAccounts::new(
            side.owner,
            *exchange,
            margin,
            *mint,
            token::ata(&side.owner, mint),
        ),
        amount_native,
        &health,
    ));
    Ok(out)
}

/// A trade: `size_lots` (positive: `a` buys from `b`) of `series` at
/// `premium_per_contract_native` (quote native per contract).
#[derive(Clone, Copy, Debug)]
pub struct TradeRequest {
    pub exchange: Pubkey,
    pub a: Side,
    pub b: Side,
    pub series: Pubkey,
    /// unit: lots. Positive: `a` buys.
    pub size_lots: i64,
    /// unit: quote native per contract.
    pub premium_per_contract_native: u64,
}

/// The instructions of a trade: refreshes of every series either side
/// holds and the traded one, then the trade with each side's margin-check
/// accounts for its state after the fill.
pub async fn trade<C: Chain>(
    chain: &C,
    prices: &PriceAccounts,
    r: &TradeRequest,
) -> ClientResult<Vec<Instruction>> {
    let exchange = &r.exchange;
    if r.a.margin(exchange) == r.b.margin(exchange) {
        return Err(ClientError::Input(
            "a trade needs two different margin accounts".into(),
        ));
    }
    let ex: Exchange = fetch(chain, exchange).await?;
    let mut out = Vec::new();
    let mut metas = Vec::new();
    for side in [r.a, r.b] {
        let account: MarginAccount = fetch(chain, &side.margin(exchange)).await?;
        for refresh in refresh_instructions(chain, prices, &account, &[r.series]).await? {
            if !out.contains(&refresh) {
                out.push(refresh);
            }
        }
        metas.push(
            health_metas(
                chain,
                prices,
                exchange,
                &ex,
                &after_trade(&account, &r.series),
            )
            .await?,
        );
    }
    let accounts = TradeAccounts {
        owner_a: r.a.owner,
        owner_b: r.b.owner,
        exchange: *exchange,
        account_a: r.a.margin(exchange),
        account_b: r.b.margin(exchange),
        series: r.series,
    };
    out.push(ix::trade(
        &accounts,
        r.size_lots,
        r.premium_per_contract_native,
        &metas[0],
        &metas[1],
    ));
    Ok(out)
}

/// The refresh of one series, priced by its underlying's oracle.
pub async fn refresh<C: Chain>(
    chain: &C,
    prices: &PriceAccounts,
    series: &Pubkey,
) -> ClientResult<Instruction> {
    let (s, oracle) = series_with_oracle(chain, prices, series).await?;
    Ok(ix::refresh_series_risk(&s.underlying, series, &oracle))
}

/// `settle_series` with the price account the client reads the underlying
/// from (it must hold the update that straddles expiry).
pub async fn settle_series<C: Chain>(
    chain: &C,
    prices: &PriceAccounts,
    series: &Pubkey,
) -> ClientResult<Instruction> {
    let (s, oracle) = series_with_oracle(chain, prices, series).await?;
    Ok(ix::settle_series(&s.underlying, series, &oracle))
}

/// A liquidation call: `liquidator` signs, `receiver` (its margin account)
/// takes what is liquidated and the fee.
#[derive(Clone, Copy, Debug)]
pub struct LiquidationRequest {
    pub liquidator: Pubkey,
    pub receiver: Pubkey,
    pub liquidatee: Pubkey,
    /// unit: contracts (or collateral native units). Clamped to the plan.
    pub max_quantity: u64,
    /// unit: quote native. The call fails unless it pays at least this.
    pub min_fee_native: u64,
}

/// A `partial_liquidate`, planned off-chain with the program's own code:
/// the liquidated account's margin-check accounts as it stands (its target
/// series writable only when open interest will change: the receiver
/// already holds the opposite side), then the receiver's for its state
/// after taking the planned target (its current state when the plan
/// fails, so the program's own refusal is what the caller sees).
pub async fn liquidation_instruction<C: Chain>(
    chain: &C,
    prices: &PriceAccounts,
    r: &LiquidationRequest,
) -> ClientResult<Instruction> {
    let ctx = HealthContext::fetch(chain, prices, &r.liquidatee).await?;
    let mut from = ctx.metas.clone();
    let mut to_account: MarginAccount = fetch(chain, &r.receiver).await?;
    if let Ok((_, target, is_position)) = ctx.plan_liquidation(r.max_quantity) {
        if is_position {
            let size = |a: &MarginAccount| {
                a.position_slot(&target)
                    .map_or(0, |s| a.positions[s].size_contracts)
            };
            if size(&ctx.account).signum() * size(&to_account).signum() < 0 {
                for m in from.iter_mut().filter(|m| m.pubkey == target) {
                    m.is_writable = true;
                }
            }
            to_account = after_trade(&to_account, &target);
        } else if to_account.collateral_slot(&target).is_none() {
            let _ = to_account.collateral_slot_or_insert(&target, &ctx.exchange.settlement_mint);
        }
    }
    let to: Vec<AccountMeta> =
        health_metas(chain, prices, &ctx.exchange_key, &ctx.exchange, &to_account).await?;
    let args = LiquidateArgs {
        max_quantity: r.max_quantity,
        min_fee_native: r.min_fee_native,
        health_accounts_liquidatee: u8::try_from(from.len())
            .map_err(|_| ClientError::Input("too many margin-check accounts".into()))?,
    };
    Ok(ix::partial_liquidate(
        &r.liquidator,
        &ctx.exchange_key,
        &r.liquidatee,
        &r.receiver,
        args,
        &from,
        &to,
    ))
}

/// [`liquidation_instruction`] after the refreshes of every series either
/// account holds (always safe to prepend).
pub async fn liquidate<C: Chain>(
    chain: &C,
    prices: &PriceAccounts,
    r: &LiquidationRequest,
) -> ClientResult<Vec<Instruction>> {
    let mut out = Vec::new();
    for margin in [r.liquidatee, r.receiver] {
        let account: MarginAccount = fetch(chain, &margin).await?;
        for refresh in refresh_instructions(chain, prices, &account, &[]).await? {
            if !out.contains(&refresh) {
                out.push(refresh);
            }
        }
    }
    out.push(liquidation_instruction(chain, prices, r).await?);
    Ok(out)
}

/// `settle_positions` for every settled series `margin` still holds.
pub async fn settle_positions<C: Chain>(
    chain: &C,
    margin: &Pubkey,
) -> ClientResult<Vec<Instruction>> {
    let account: MarginAccount = fetch(chain, margin).await?;
    let mut out = Vec::new();
    for p in account.active_positions() {
        let s: Series = fetch(chain, &p.series).await?;
        if s.settled != 0 {
            out.push(ix::settle_positions(&account.exchange, margin, &p.series));
        }
    }
    Ok(out)
}
