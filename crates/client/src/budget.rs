//! Compute-unit budgets per instruction: what a client requests for a
//! transaction (the sum over its instructions, never a blanket limit), from
//! the figures measured on the SBF build (`cases::compute_units`, table in
//! the README) with a stated margin. A transaction whose instructions cost
//! more than their budget fails on SBF, so a regression fails a test.

use anchor_lang::Discriminator;
use solana_instruction::Instruction;

/// The most compute units a transaction may request.
pub const MAX_TX_CU: u32 = 1_400_000;
/// unit: CU. The compute-budget instruction itself (and slack for the
/// runtime's per-transaction overhead).
pub const TX_OVERHEAD_CU: u32 = 1_000;
/// precision: percent. Margin over the measured figures the budgets carry.
pub const MARGIN_PERCENT: u32 = 25;

/// `(base, per remaining account)` CU of one instruction, measured on SBF
/// (before the margin): the remaining accounts are the margin-check lists,
/// so the second term grows with the account's positions, underlyings and
/// collaterals. An account's cost depends on its kind (a series ≈ 1.9k in
/// a withdrawal, 2.2k in a trade, 5.2k in a liquidation; an underlying
/// with its price ≈ 4.1k, 4.8k and 5.0k per account), and the budget
/// cannot tell them apart from the instruction alone, so each rate is the
/// dearer kind's: exact enough for the widest account (32 positions over 8
/// underlyings), up to ~70% high for 32 positions on one underlying. A
/// client that can simulate first should request what the simulation used
/// plus the margin instead.
struct Cost {
    discriminator: &'static [u8],
    /// Accounts of the instruction's struct (the rest are remaining accounts).
    fixed_accounts: usize,
    base: u32,
    per_remaining: u32,
}

const LIQUIDATION: Cost = Cost {
    discriminator: options_margin::instruction::PartialLiquidate::DISCRIMINATOR,
    fixed_accounts: 6,
    base: 52_100,
    per_remaining: 5_160,
};

/// unit: CU. A vault call's own work around each CPI (invoke, guards,
/// fee accounting).
const VAULT_CPI_CU: u32 = 15_000;

const COSTS: &[Cost] = &[
    Cost {
        discriminator: options_margin::instruction::Deposit::DISCRIMINATOR,
        fixed_accounts: 11,
        base: 32_300,
        per_remaining: 0,
    },
    Cost {
        discriminator: options_margin::instruction::Withdraw::DISCRIMINATOR,
        fixed_accounts: 12,
        base: 36_800,
        per_remaining: 4_100,
    },
    Cost {
        discriminator: options_margin::instruction::Trade::DISCRIMINATOR,
        fixed_accounts: 10,
        base: 54_700,
        per_remaining: 4_850,
    },
    LIQUIDATION,
    Cost {
        discriminator: options_margin::instruction::RefreshSeriesRisk::DISCRIMINATOR,
        fixed_accounts: 5,
        base: 39_700,
        per_remaining: 0,
    },
    Cost {
        discriminator: options_margin::instruction::CreateLossShards::DISCRIMINATOR,
        fixed_accounts: 3,
        base: 10_000,
        // find_program_address per shard: its cost varies with the bump.
        per_remaining: 9_000,
    },
];

/// unit: CU. Budget of one instruction, margin included; instructions with
/// no measured figure get a flat 100k (cheap administration and cranks).
/// The liquidation vault's crank runs up to `max_calls` `partial_liquidate`
/// calls through CPI, each reading every account it passes: per call, a
/// liquidation's cost over all of them plus the CPI's.
pub fn instruction_budget(ix: &Instruction) -> u32 {
    let data = &ix.data;
    if ix.program_id == liquidation_vault::ID
        && data.starts_with(liquidation_vault::instruction::Liquidate::DISCRIMINATOR)
    {
        let calls = data.get(8).copied().unwrap_or(1).max(1) as u32;
        let per_call =
            LIQUIDATION.base + VAULT_CPI_CU + LIQUIDATION.per_remaining * ix.accounts.len() as u32;
        let raw = per_call.saturating_mul(calls);
        return raw
            .saturating_add(raw / 100 * MARGIN_PERCENT)
            .min(MAX_TX_CU);
    }
    let Some(cost) = COSTS
        .iter()
        .find(|c| ix.program_id == options_margin::ID && data.starts_with(c.discriminator))
    else {
        return 100_000;
    };
    let remaining = ix.accounts.len().saturating_sub(cost.fixed_accounts) as u32;
    let raw = cost.base + cost.per_remaining * remaining;
    raw + raw * MARGIN_PERCENT / 100
}

/// unit: CU. What a transaction of `ixs` requests: the sum of their
/// budgets plus the overhead, at most [`MAX_TX_CU`].
pub fn transaction_budget(ixs: &[Instruction]) -> u32 {
    ixs.iter()
        .map(instruction_budget)
        .fold(TX_OVERHEAD_CU, u32::saturating_add)
        .min(MAX_TX_CU)
}
