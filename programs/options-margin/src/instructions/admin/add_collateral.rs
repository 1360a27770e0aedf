use anchor_lang::prelude::*;
use anchor_spl::token::{self, InitializeAccount3, Mint, Token, TokenAccount};

use crate::constants::{
    BPS, COLLATERAL_SEED, MAX_COLLATERAL_DECIMALS, MAX_EXCHANGE_COLLATERALS, SETTLEMENT_DECIMALS,
    VAULT_AUTHORITY_SEED, VAULT_SEED,
};
use crate::create::{create_pda_account, write_new_account, NewPda};
use crate::error::ErrorCode;
use crate::oracle::OracleConfig;
use crate::state::{Collateral, Exchange};

/// Admin-set parameters of one collateral mint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, AnchorSerialize, AnchorDeserialize)]
pub struct CollateralParams {
    /// How the price is read and validated.
    pub oracle: OracleConfig,
    /// unit: bps. Asset weight for initial margin.
    pub init_weight_bps: u16,
    /// unit: bps. Asset weight for maintenance margin.
    pub maint_weight_bps: u16,
    /// unit: token native. Cap on the sum of all deposits.
    pub deposit_cap_native: u64,
}

impl CollateralParams {
    /// Weights satisfy 0 < init ≤ maint ≤ 10_000 (volatile collateral has
    /// init < maint < 10_000); the settlement collateral has both at 10_000.
    pub fn validate(&self, is_settlement: bool) -> Result<()> {
        self.oracle.validate()?;
        let (init, maint) = (self.init_weight_bps as u64, self.maint_weight_bps as u64);
        if is_settlement {
            require!(
                init == BPS && maint == BPS,
                ErrorCode::InvalidCollateralParams
            );
        } else {
            require!(
                init > 0 && init < maint && maint < BPS,
                ErrorCode::InvalidCollateralParams
            );
        }
        require!(
            self.deposit_cap_native > 0 && self.deposit_cap_native <= i64::MAX as u64,
            ErrorCode::InvalidCollateralParams
        );
        Ok(())
    }
}

#[derive(Accounts)]
pub struct AddCollateral<'info> {
    #[account(mut)]
    pub admin: Signer<'info>,
    #[account(mut, has_one = admin @ ErrorCode::Unauthorized)]
    pub exchange: AccountLoader<'info, Exchange>,
    pub mint: Account<'info, Mint>,
    /// CHECK: created here at its canonical PDA (see `create`).
    #[account(mut, seeds = [COLLATERAL_SEED, exchange.key().as_ref(), mint.key().as_ref()], bump)]
    pub collateral: UncheckedAccount<'info>,
    /// CHECK: created here at its canonical PDA and initialised as a token
    /// account of `mint` owned by `vault_authority`.
    #[account(mut, seeds = [VAULT_SEED, exchange.key().as_ref(), mint.key().as_ref()], bump)]
    pub vault: UncheckedAccount<'info>,
    /// CHECK: the PDA that owns every vault of this exchange.
    #[account(seeds = [VAULT_AUTHORITY_SEED, exchange.key().as_ref()], bump)]
    pub vault_authority: UncheckedAccount<'info>,
    pub token_program: Program<'info, Token>,
    pub system_program: Program<'info, System>,
}

/// Registers a mint. The settlement collateral (6 decimals, weight 1) must be
/// the first one registered; every later one is volatile.
pub fn add_collateral(
    ctx: Context<AddCollateral>,
    is_settlement: bool,
    params: CollateralParams,
) -> Result<()> {
    params.validate(is_settlement)?;
    let decimals = ctx.accounts.mint.decimals;
    let mut exchange = ctx.accounts.exchange.load_mut()?;
    require!(
        exchange.collateral_count < MAX_EXCHANGE_COLLATERALS,
        ErrorCode::ExchangeCollateralsFull
    );
    require!(
        is_settlement == (exchange.collateral_count == 0),
        ErrorCode::SettlementCollateralOrder
    );
    if is_settlement {
        require!(
            decimals == SETTLEMENT_DECIMALS,
            ErrorCode::SettlementDecimals
        );
        exchange.settlement_mint = ctx.accounts.mint.key();
    }
    require!(
        decimals <= MAX_COLLATERAL_DECIMALS,
        ErrorCode::UnsupportedDecimals
    );

    drop(exchange);
    let exchange_key = ctx.accounts.exchange.key();
    let mint_key = ctx.accounts.mint.key();
    create_vault(&ctx, &exchange_key, &mint_key)?;
    let new = NewPda {
        payer: ctx.accounts.admin.as_ref(),
        target: ctx.accounts.collateral.as_ref(),
        system_program: ctx.accounts.system_program.as_ref(),
    };
    let seeds: &[&[u8]] = &[
        COLLATERAL_SEED,
        exchange_key.as_ref(),
        mint_key.as_ref(),
        &[ctx.bumps.collateral],
    ];
    create_pda_account(&new, Collateral::SPACE, &crate::ID, seeds)?;

    let mut exchange = ctx.accounts.exchange.load_mut()?;
    let mut collateral: Collateral = bytemuck::Zeroable::zeroed();
    collateral.exchange = exchange_key;
    collateral.mint = mint_key;
    collateral.vault = ctx.accounts.vault.key();
    collateral.oracle = params.oracle;
    collateral.deposit_cap_native = params.deposit_cap_native;
    collateral.init_weight_bps = params.init_weight_bps;
    collateral.maint_weight_bps = params.maint_weight_bps;
    collateral.decimals = decimals;
    collateral.index = exchange.collateral_count;
    collateral.is_settlement = is_settlement as u8;
    collateral.bump = ctx.bumps.collateral;
    collateral.vault_bump = ctx.bumps.vault;
    exchange.collateral_count += 1;
    write_new_account(ctx.accounts.collateral.as_ref(), &collateral)
}

/// Creates the vault PDA and initialises it as a token account of the mint,
/// owned by the exchange's vault authority.
fn create_vault(ctx: &Context<AddCollateral>, exchange: &Pubkey, mint: &Pubkey) -> Result<()> {
    let new = NewPda {
        payer: ctx.accounts.admin.as_ref(),
        target: ctx.accounts.vault.as_ref(),
        system_program: ctx.accounts.system_program.as_ref(),
    };
    let seeds: &[&[u8]] = &[
        VAULT_SEED,
        exchange.as_ref(),
        mint.as_ref(),
        &[ctx.bumps.vault],
    ];
    create_pda_account(&new, TokenAccount::LEN, &token::ID, seeds)?;
    token::initialize_account3(CpiContext::new(
        ctx.accounts.token_program.key(),
        InitializeAccount3 {
            account: ctx.accounts.vault.to_account_info(),
            mint: ctx.accounts.mint.to_account_info(),
            authority: ctx.accounts.vault_authority.to_account_info(),
        },
    ))
}
