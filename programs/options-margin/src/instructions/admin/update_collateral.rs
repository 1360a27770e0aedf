use anchor_lang::prelude::*;

use crate::error::ErrorCode;
use crate::instructions::admin::add_collateral::CollateralParams;
use crate::state::{Collateral, Exchange};

#[derive(Accounts)]
pub struct UpdateCollateral<'info> {
    pub admin: Signer<'info>,
    #[account(has_one = admin @ ErrorCode::Unauthorized)]
    pub exchange: AccountLoader<'info, Exchange>,
    #[account(mut, has_one = exchange)]
    pub collateral: AccountLoader<'info, Collateral>,
}

/// Replaces a collateral's oracle, weights and cap within the same bounds as
/// registration. The feed kind and feed id may change (feed migrations);
/// the mint, vault and settlement role never do.
pub fn update_collateral(ctx: Context<UpdateCollateral>, params: CollateralParams) -> Result<()> {
    let mut collateral = ctx.accounts.collateral.load_mut()?;
    params.validate(collateral.is_settlement())?;
    if collateral.oracle.feed != params.oracle.feed || collateral.oracle.kind != params.oracle.kind
    {
        // A new feed starts its own publish-time sequence.
        collateral.last_publish_time = 0;
    }
    collateral.oracle = params.oracle;
    collateral.init_weight_bps = params.init_weight_bps;
    collateral.maint_weight_bps = params.maint_weight_bps;
    collateral.deposit_cap_native = params.deposit_cap_native;
    Ok(())
}
