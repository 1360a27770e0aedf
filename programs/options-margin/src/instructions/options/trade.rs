use anchor_lang::prelude::*;

use crate::constants::{loss_shard_index, MARGIN_SEED};
use crate::controller::open_interest::{apply_open_interest, long_delta};
use crate::controller::{book_pending_loss, recount};
use crate::error::ErrorCode;
use crate::events::TradeEvent;
use options_margin_risk::trade::{check_trade_side, PremiumBand, SideVerdict, TradeRefusal};

use crate::health::{self, MarginSummary, Valuation};
use crate::math::{invariant, overflow};
use crate::state::{Exchange, LossShard, MarginAccount, Series, PAUSE_TRADING};

#[event_cpi]
#[derive(Accounts)]
pub struct Trade<'info> {
    /// Owner of `account_a`, which buys when `size_lots > 0`.
    pub owner_a: Signer<'info>,
    /// Owner of `account_b`, the counterparty (may be `owner_a`, with
    /// another of its accounts: `account_b` must differ from `account_a`).
    pub owner_b: Signer<'info>,
    pub exchange: AccountLoader<'info, Exchange>,
    #[account(
        mut,
        has_one = exchange,
        constraint = account_a.load()?.owner == owner_a.key() @ ErrorCode::Unauthorized,
        seeds = [
            MARGIN_SEED,
            account_a.load()?.exchange.as_ref(),
            account_a.load()?.owner.as_ref(),
            &account_a.load()?.account_index.to_le_bytes(),
        ],
        bump = account_a.load()?.bump,
    )]
    pub account_a: AccountLoader<'info, MarginAccount>,
    #[account(
        mut,
        has_one = exchange,
        constraint = account_b.load()?.owner == owner_b.key() @ ErrorCode::Unauthorized,
        // Anchor 1.2 checks duplicate mutable accounts only for types that
        // serialize on exit (`Account`), not for zero-copy `AccountLoader`s:
        // without this a self-trade would apply both fills to one account.
        constraint = account_b.key() != account_a.key()
            @ anchor_lang::error::ErrorCode::ConstraintDuplicateMutableAccount,
        seeds = [
            MARGIN_SEED,
            account_b.load()?.exchange.as_ref(),
            account_b.load()?.owner.as_ref(),
            &account_b.load()?.account_index.to_le_bytes(),
        ],
        bump = account_b.load()?.bump,
    )]
    pub account_b: AccountLoader<'info, MarginAccount>,
    #[account(mut, has_one = exchange)]
    pub series: AccountLoader<'info, Series>,
    /// Account A's loss shard (`pda::loss_shard_of`); may equal B's.
    #[account(
        mut,
        has_one = exchange,
        constraint = loss_shard_a.load()?.index == loss_shard_index(&account_a.key())
            @ ErrorCode::WrongLossShard,
    )]
    pub loss_shard_a: AccountLoader<'info, LossShard>,
    /// Account B's loss shard.
    #[account(
        mut,
        has_one = exchange,
        constraint = loss_shard_b.load()?.index == loss_shard_index(&account_b.key())
            @ ErrorCode::WrongLossShard,
    )]
    pub loss_shard_b: AccountLoader<'info, LossShard>,
}

/// Arguments of a bilateral block trade (an RFQ fill both owners signed).
#[derive(Clone, Copy, Debug, PartialEq, Eq, AnchorSerialize, AnchorDeserialize)]
pub struct TradeArgs {
    /// unit: lots. Positive: account A buys from B; negative: A sells to B.
    pub size_lots: i64,
    /// unit: quote native per contract. Premium paid by the buyer.
    pub premium_per_contract_native: u64,
    /// How many of the `remaining_accounts` are A's margin-check accounts;
    /// the rest are B's. Each list follows `health`'s layout for the
    /// account's state after the fill, before empty slots are released
    /// (a new position takes the first free slot). A trade between two wide
    /// accounts can need more than the 64 accounts a transaction may lock:
    /// together the two lists and 10 fixed keys must fit.
    pub health_accounts_a: u8,
}

/// The program's error for a refused side.
fn refusal(r: TradeRefusal) -> Error {
    match r {
        TradeRefusal::BelowInitialMargin => error!(ErrorCode::BelowInitialMargin),
        TradeRefusal::HealthWouldFall => error!(ErrorCode::HealthWouldFall),
        TradeRefusal::EquityWouldFall => error!(ErrorCode::EquityWouldFall),
        TradeRefusal::PremiumOutsideBand => error!(ErrorCode::PremiumOutsideBand),
    }
}

/// Moves the position and the premium, then judges each side on its whole
/// account (`options_margin_risk::trade`): a side whose IM or MM rises must
/// meet initial margin, with fresh volatility and prices near their EMA; a
/// side that reduces risk but ends below IM may not lose `equity − MM` and
/// must trade within the premium band; a side below MM may only trade at
/// the mark or better. Collateral is valued conservatively (spot or EMA,
/// whichever is worse) on both sides of the comparison.
pub fn trade<'info>(ctx: Context<'info, Trade<'info>>, args: TradeArgs) -> Result<()> {
    require!(args.size_lots != 0, ErrorCode::ZeroSize);
    let now = Clock::get()?.unix_timestamp;
    let exchange = ctx.accounts.exchange.load()?;
    exchange.require_not_paused(PAUSE_TRADING)?;
    let series_key = ctx.accounts.series.key();
    let (contracts, premium, mark, underlying_index) = {
        let series = ctx.accounts.series.load()?;
        require!(
            series.settled == 0 && now < series.expiry_ts,
            ErrorCode::SeriesExpired
        );
        let contracts = args
            .size_lots
            .checked_mul(series.lot_size_contracts as i64)
            .ok_or_else(overflow)?;
        let premium = i64::try_from(args.premium_per_contract_native)
            .map_err(|_| error!(ErrorCode::AmountTooLarge))?;
        (
            contracts,
            premium,
            series.risk.mark_native,
            series.underlying_index,
        )
    };
    let split = args.health_accounts_a as usize;
    require!(
        split <= ctx.remaining_accounts.len(),
        ErrorCode::HealthAccountsMismatch
    );
    let (health_a, health_b) = ctx.remaining_accounts.split_at(split);
    let exchange_key = ctx.accounts.exchange.key();

    let mut sizes_after = [0i64; 2];
    let mut after = [None::<MarginSummary>; 2];
    let mut oi_delta = 0i64;
    let sides = [
        (
            &ctx.accounts.account_a,
            &ctx.accounts.loss_shard_a,
            health_a,
            contracts,
        ),
        (
            &ctx.accounts.account_b,
            &ctx.accounts.loss_shard_b,
            health_b,
            contracts.checked_neg().ok_or_else(overflow)?,
        ),
    ];
    for (i, (loader, shard, health, delta)) in sides.into_iter().enumerate() {
        let mut account = loader.load_mut()?;
        // The premium moves settlement balances: book what each side owes
        // of socialised losses first, re-count after (a trade is how cash
        // moves between accounts, so a balance cannot leave the base).
        book_pending_loss(&mut account, &exchange)?;
        let slot = account.position_slot_or_insert(&series_key, underlying_index)?;
        account.require_within_width()?;
        let loaded = health::load_inputs(&account, &exchange, &exchange_key, health, now)?;
        let before = loaded.totals(&account, Valuation::Conservative)?;

        let size_before = account.positions[slot].size_contracts;
        let cash = account.positions[slot].apply_fill(delta, premium)?;
        let settlement = exchange.settlement_mint;
        let cslot = account.collateral_slot_or_insert(&settlement, &settlement)?;
        let bal = &mut account.collaterals[cslot].balance_native;
        *bal = bal.checked_add(cash).ok_or_else(overflow)?;
        let size_after = account.positions[slot].size_contracts;

        let margin = loaded.totals(&account, Valuation::Conservative)?;
        let band = PremiumBand {
            mark_native: mark,
            premium_native: premium,
            buys: delta > 0,
            band_bps: exchange.risk.trade_band_bps,
        };
        let verdict =
            check_trade_side(&before.as_totals(), &margin.as_totals(), &band).map_err(refusal)?;
        if verdict == SideVerdict::AddsRisk {
            loaded.require_risk_adding_allowed()?;
        }
        loaded.record_publish_times(&mut account);
        drop(loaded);
        recount(&mut account, &exchange, &mut *shard.load_mut()?)?;
        account.release_empty_positions();
        account.release_empty_collaterals();
        oi_delta = oi_delta
            .checked_add(long_delta(size_before, size_after))
            .ok_or_else(overflow)?;
        sizes_after[i] = size_after;
        after[i] = Some(margin);
    }

    let open_interest = apply_open_interest(&mut *ctx.accounts.series.load_mut()?, oi_delta)?;
    let (Some(a), Some(b)) = (after[0], after[1]) else {
        return Err(invariant("both sides checked"));
    };
    emit_cpi!(TradeEvent {
        series: series_key,
        account_a: ctx.accounts.account_a.key(),
        account_b: ctx.accounts.account_b.key(),
        size_contracts: contracts,
        premium_per_contract_native: args.premium_per_contract_native,
        size_a_after: sizes_after[0],
        size_b_after: sizes_after[1],
        open_interest_contracts: open_interest,
        equity_a_after_native: a.equity_native,
        initial_margin_a_after_native: a.initial_margin_native,
        equity_b_after_native: b.equity_native,
        initial_margin_b_after_native: b.initial_margin_native,
    });
    crate::heap::log_used();
    Ok(())
}
