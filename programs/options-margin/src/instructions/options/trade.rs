use anchor_lang::prelude::*;

use crate::constants::MARGIN_SEED;
use crate::error::ErrorCode;
use crate::events::TradeEvent;
use crate::health::{self, CheckMode, MarginSummary};
use crate::state::{Exchange, MarginAccount, Series, PAUSE_TRADING};

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
    /// account's state after the fill, before empty slots are released.
    pub health_accounts_a: u8,
}

/// One side's view of the fill.
struct Side {
    size_before: i64,
    size_after: i64,
}

impl Side {
    /// Adding to or flipping a position adds risk; shrinking it does not.
    fn increases_risk(&self) -> bool {
        self.size_after.unsigned_abs() > self.size_before.unsigned_abs()
            || (self.size_before != 0
                && (self.size_before > 0) != (self.size_after > 0)
                && self.size_after != 0)
    }

    /// Long open interest this side adds (may be negative).
    fn long_delta(&self) -> i64 {
        self.size_after.max(0) - self.size_before.max(0)
    }
}

/// Moves the position and the premium, then checks both accounts: a side
/// that adds risk must meet initial margin with fresh volatility; a side
/// that only reduces risk may stay below IM, but its margin ratio may not fall.
pub fn trade<'info>(ctx: Context<'info, Trade<'info>>, args: TradeArgs) -> Result<()> {
    require!(args.size_lots != 0, ErrorCode::ZeroSize);
    let now = Clock::get()?.unix_timestamp;
    let exchange = *ctx.accounts.exchange.load()?;
    exchange.require_not_paused(PAUSE_TRADING)?;
    let series_key = ctx.accounts.series.key();
    let (contracts, premium) = {
        let series = ctx.accounts.series.load()?;
        require!(
            series.settled == 0 && now < series.expiry_ts,
            ErrorCode::SeriesExpired
        );
        let contracts = args
            .size_lots
            .checked_mul(series.lot_size_contracts as i64)
            .ok_or(error!(ErrorCode::MathOverflow))?;
        let premium = i64::try_from(args.premium_per_contract_native)
            .map_err(|_| error!(ErrorCode::AmountTooLarge))?;
        (contracts, premium)
    };
    let split = args.health_accounts_a as usize;
    require!(
        split <= ctx.remaining_accounts.len(),
        ErrorCode::HealthAccountsMismatch
    );
    let (health_a, health_b) = ctx.remaining_accounts.split_at(split);
    let exchange_key = ctx.accounts.exchange.key();

    let check = |account: &MarginAccount, health: &'info [AccountInfo<'info>], mode| {
        health::account_margin(account, &exchange, &exchange_key, health, now, mode)
    };
    let mut sides = [
        Side {
            size_before: 0,
            size_after: 0,
        },
        Side {
            size_before: 0,
            size_after: 0,
        },
    ];
    let mut after = [None::<MarginSummary>; 2];
    for (i, (loader, health, delta)) in [
        (&ctx.accounts.account_a, health_a, contracts),
        (
            &ctx.accounts.account_b,
            health_b,
            contracts
                .checked_neg()
                .ok_or(error!(ErrorCode::MathOverflow))?,
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let mut account = loader.load_mut()?;
        let slot = account.position_slot_or_insert(&series_key)?;
        let size_before = account.positions[slot].size_contracts;
        let reducing = size_before != 0
            && (size_before > 0) != (delta > 0)
            && delta.unsigned_abs() <= size_before.unsigned_abs();
        let before = if reducing {
            Some(check(&account, health, CheckMode::REDUCE_ONLY)?)
        } else {
            None
        };

        let cash = account.positions[slot].apply_fill(delta, premium)?;
        let settlement = exchange.settlement_mint;
        let cslot = account.collateral_slot_or_insert(&settlement)?;
        let bal = &mut account.collaterals[cslot].balance_native;
        *bal = bal
            .checked_add(cash)
            .ok_or(error!(ErrorCode::MathOverflow))?;
        let side = Side {
            size_before,
            size_after: account.positions[slot].size_contracts,
        };

        let mode = if side.increases_risk() {
            CheckMode::RISK_INCREASING
        } else {
            CheckMode::REDUCE_ONLY
        };
        let margin = check(&account, health, mode)?;
        match before {
            Some(before) if !margin.meets_initial() => {
                require!(
                    margin.ratio_bps >= before.ratio_bps,
                    ErrorCode::RatioWouldFall
                )
            }
            _ => require!(margin.meets_initial(), ErrorCode::BelowInitialMargin),
        }
        account.release_empty_positions();
        account.release_empty_collaterals();
        sides[i] = side;
        after[i] = Some(margin);
    }

    let open_interest = {
        let mut series = ctx.accounts.series.load_mut()?;
        let oi = (series.open_interest_contracts as i64)
            .checked_add(sides[0].long_delta())
            .and_then(|v| v.checked_add(sides[1].long_delta()))
            .filter(|v| *v >= 0)
            .ok_or(error!(ErrorCode::MathOverflow))?;
        series.open_interest_contracts = oi as u64;
        oi as u64
    };
    let (a, b) = (
        after[0].unwrap_or_else(|| unreachable!()),
        after[1].unwrap_or_else(|| unreachable!()),
    );
    emit_cpi!(TradeEvent {
        series: series_key,
        account_a: ctx.accounts.account_a.key(),
        account_b: ctx.accounts.account_b.key(),
        size_contracts: contracts,
        premium_per_contract_native: args.premium_per_contract_native,
        size_a_after: sides[0].size_after,
        size_b_after: sides[1].size_after,
        open_interest_contracts: open_interest,
        equity_a_after_native: a.equity_native,
        initial_margin_a_after_native: a.initial_margin_native,
        equity_b_after_native: b.equity_native,
        initial_margin_b_after_native: b.initial_margin_native,
    });
    Ok(())
}
