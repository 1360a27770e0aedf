//! `exchange init` (from one TOML file) and `exchange show`.

use std::path::Path;

use anchor_lang::prelude::Pubkey;
use options_margin::oracle::OracleKind;
use options_margin::state::{Collateral, Exchange, Underlying};
use options_margin_client::amounts::{format_decimal, format_usd, parse_decimal};
use options_margin_client::decode::{collaterals_of_exchange, fetch, underlyings_of_exchange};
use options_margin_client::error::{ClientError, ClientResult};
use options_margin_client::pyth_local::PullPrice;
use options_margin_client::setup::{parse_pubkey, ExchangeConfig};
use options_margin_client::{ix, pda, token, Chain};
use serde_json::json;
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::fmt::{pct_bps, table};
use crate::{Context, Output};

/// Creates the exchange the file describes, signed by the keypair (its
/// admin and creator), and records it in the profile.
pub async fn init(ctx: &mut Context, config_path: &Path) -> ClientResult<Output> {
    let text = std::fs::read_to_string(config_path)
        .map_err(|e| ClientError::Input(format!("{}: {e}", config_path.display())))?;
    let config = ExchangeConfig::from_toml(&text)?;
    init_from(ctx, &config).await
}

/// [`init`] from a parsed file.
pub async fn init_from(ctx: &mut Context, config: &ExchangeConfig) -> ClientResult<Output> {
    let admin = ctx.signer().insecure_clone();
    let admin_key = admin.pubkey();
    let exchange = pda::exchange(&admin_key).0;
    if ctx.client.chain.account(&exchange).await?.is_some() {
        return Err(ClientError::Input(format!(
            "{admin_key} already created exchange {exchange} (one exchange per creator key)"
        )));
    }
    let mut log = vec![format!("exchange {exchange} (admin {admin_key})")];
    let risk = config.risk_params()?;
    ctx.client
        .send(
            &[ix::initialize_exchange(
                &admin_key,
                config.vol_authority(&admin_key)?,
                risk,
            )],
            &[&admin],
        )
        .await?;
    ctx.client
        .send(&[ix::create_loss_shards(&admin_key, &exchange)], &[&admin])
        .await?;
    ctx.profile = crate::profile::Profile {
        exchange: Some(exchange),
        ..Default::default()
    };

    for c in &config.collaterals {
        let (mint, decimals) = if c.mint == "new" {
            let mint = Keypair::new();
            let decimals = c.decimals.unwrap_or(6);
            let rent = ctx
                .client
                .chain
                .rent_exempt_lamports(token::MINT_LEN)
                .await?;
            let ixs = token::create_mint(&admin_key, &mint.pubkey(), &admin_key, decimals, rent)?;
            ctx.client.send(&ixs, &[&admin, &mint]).await?;
            (mint.pubkey(), decimals)
        } else {
            let mint = parse_pubkey(&c.mint)?;
            let account = ctx
                .client
                .chain
                .account(&mint)
                .await?
                .ok_or(ClientError::AccountNotFound(mint))?;
            (mint, token::mint_decimals(&mint, &account)?)
        };
        let params = c.params(decimals)?;
        ctx.client
            .send(
                &[ix::add_collateral(
                    &admin_key,
                    &exchange,
                    &mint,
                    c.settlement,
                    params,
                )],
                &[&admin],
            )
            .await?;
        if let (Some(price), true) = (&c.local_price, ctx.client.chain.is_local()) {
            publish(ctx, &params.oracle.feed, price).await?;
        }
        log.push(format!(
            "collateral {} mint {mint} ({decimals} decimals)",
            c.symbol
        ));
        ctx.profile
            .collaterals
            .push((c.symbol.clone(), mint, decimals));
    }

    for (i, u) in config.underlyings.iter().enumerate() {
        let params = u.params()?;
        let index =
            u8::try_from(i).map_err(|_| ClientError::Input("too many underlyings".into()))?;
        ctx.client
            .send(
                &[ix::add_underlying(&admin_key, &exchange, index, params)],
                &[&admin],
            )
            .await?;
        let address = pda::underlying(&exchange, index).0;
        if let (Some(price), true) = (&u.local_price, ctx.client.chain.is_local()) {
            publish(ctx, &params.oracle.feed, price).await?;
        }
        log.push(format!("underlying {} {address}", u.symbol));
        ctx.profile
            .underlyings
            .push((u.symbol.clone(), address, params.oracle.feed));
    }

    let now = ctx.client.chain.clock().await?.unix_timestamp;
    for s in &config.series {
        let index = config
            .underlying_index(&s.underlying)
            .expect("checked by from_toml");
        let underlying = pda::underlying(&exchange, index).0;
        let terms = s.terms(now)?;
        let series = pda::series(&underlying, &terms).0;
        ctx.client
            .send(
                &[ix::create_series(&admin_key, &exchange, &underlying, terms)],
                &[&admin],
            )
            .await?;
        if config.vol_authority(&admin_key)? == admin_key {
            let u: Underlying = fetch(&ctx.client.chain, &underlying).await?;
            let refresh = ix::refresh_series_risk(
                &underlying,
                &series,
                &ctx.client.prices.account_for(&u.oracle),
            );
            let vol = ix::set_volatility(&admin_key, &exchange, &underlying, &series, s.vol_e6()?);
            ctx.client.send(&[vol, refresh], &[&admin]).await?;
        }
        log.push(format!(
            "series {} {} {} {series}",
            s.underlying, s.kind, s.strike
        ));
    }
    ctx.profile.store(&ctx.profile_path)?;
    log.push(format!("profile {}", ctx.profile_path.display()));
    Ok(Output::new(
        log.join("\n"),
        json!({ "exchange": exchange.to_string(), "admin": admin_key.to_string(), "profile": ctx.profile_path.display().to_string() }),
    ))
}

/// Publishes `price_usd` for `feed` at its push-oracle address, stamped now (local ledgers).
pub async fn publish(
    ctx: &mut Context,
    feed: &[u8; 32],
    price_usd: &str,
) -> ClientResult<PullPrice> {
    let price_e8 = parse_decimal(price_usd, 8)?;
    let price = i64::try_from(price_e8)
        .map_err(|_| ClientError::Input(format!("price {price_usd} too large")))?;
    let conf = price_e8 / 2_000; // 0.05%
    let now = ctx.client.chain.clock().await?.unix_timestamp;
    let update = PullPrice::usd_e8(*feed, price, conf, now);
    let address = options_margin_client::oracles::push_feed_account(feed, 0);
    ctx.client.chain.publish_price(&address, update)?;
    Ok(update)
}

pub async fn show(ctx: &mut Context) -> ClientResult<Output> {
    let exchange_key = ctx.exchange()?;
    let chain = &ctx.client.chain;
    let ex: Exchange = fetch(chain, &exchange_key).await?;
    let r = &ex.risk;
    let mut text = format!(
        "exchange   {exchange_key}\nadmin      {}\nvol auth   {}\ninsurance  {}\npaused     {:#06b}\n\
         tiers      below {} up to {} | below {} up to {} of the {} | below {} just enough, below {} whole\n\
         target     {}   grace {} s   fee {} + {}–{} bps of MM released, rising to 100% ({} to insurance)\n\
         IM floor   {} of MM   vectors valid {} s within {} of their spot\n\n",
        ex.admin,
        ex.vol_authority,
        format_usd(i128::from(ex.insurance_native)),
        ex.pause_flags,
        pct_bps(u64::from(r.tiers[0].below_ratio_bps)),
        pct_bps(u64::from(r.tiers[0].max_fraction_bps)),
        pct_bps(u64::from(r.tiers[1].below_ratio_bps)),
        pct_bps(u64::from(r.tiers[1].max_fraction_bps)),
        if r.soft_cap_basis == options_margin_risk::params::CAP_OF_CANDIDATE {
            "candidate"
        } else {
            "account's MM"
        },
        pct_bps(u64::from(r.tiers[2].below_ratio_bps)),
        pct_bps(u64::from(r.flatten_below_ratio_bps)),
        pct_bps(u64::from(r.target_ratio_bps)),
        r.grace_period_secs,
        format_usd(i128::from(r.fee_flat_native)),
        r.fee_rate_bps,
        r.fee_rate_max_bps.max(r.fee_rate_bps),
        pct_bps(u64::from(r.insurance_fee_share_bps)),
        pct_bps(u64::from(r.im_floor_ratio_bps)),
        r.max_risk_age_secs,
        pct_bps(u64::from(r.price_band_bps)),
    );
    let collaterals: Vec<(Pubkey, Collateral)> =
        collaterals_of_exchange(chain, &exchange_key).await?;
    let mut rows = vec![vec![
        "collateral".into(),
        "mint".into(),
        "weights IM/MM".into(),
        "deposited".into(),
        "cap".into(),
    ]];
    for (_, c) in &collaterals {
        let symbol = ctx
            .profile
            .collaterals
            .iter()
            .find(|(_, m, _)| *m == c.mint)
            .map_or("?".to_owned(), |x| x.0.clone());
        rows.push(vec![
            format!(
                "{symbol}{}",
                if c.is_settlement != 0 {
                    " (settlement)"
                } else {
                    ""
                }
            ),
            c.mint.to_string(),
            format!(
                "{}/{}",
                pct_bps(u64::from(c.init_weight_bps)),
                pct_bps(u64::from(c.maint_weight_bps))
            ),
            format_decimal(i128::from(c.total_balance_native), c.decimals),
            format_decimal(i128::from(c.deposit_cap_native), c.decimals),
        ]);
    }
    text.push_str(&table(&rows));
    let underlyings = underlyings_of_exchange(chain, &exchange_key).await?;
    let mut rows = vec![vec![
        "underlying".into(),
        "address".into(),
        "oracle".into(),
        "series".into(),
        "rate".into(),
    ]];
    for (k, u) in &underlyings {
        let symbol = ctx
            .profile
            .underlyings
            .iter()
            .find(|(_, a, _)| a == k)
            .map_or("?".to_owned(), |x| x.0.clone());
        let kind = match u.oracle.kind() {
            Ok(OracleKind::PythPull) => "pyth pull",
            _ => "pyth legacy",
        };
        rows.push(vec![
            symbol,
            k.to_string(),
            kind.into(),
            u.series_count.to_string(),
            format!("{}%", format_decimal(i128::from(u.rate_e6) * 100, 6)),
        ]);
    }
    text.push('\n');
    text.push_str(&table(&rows));
    Ok(Output::new(
        text,
        json!({
            "exchange": exchange_key.to_string(),
            "admin": ex.admin.to_string(),
            "insurance_native": ex.insurance_native,
            "pause_flags": ex.pause_flags,
            "collaterals": collaterals.iter().map(|(k, c)| json!({"config": k.to_string(), "mint": c.mint.to_string(), "decimals": c.decimals, "total_balance_native": c.total_balance_native})).collect::<Vec<_>>(),
            "underlyings": underlyings.iter().map(|(k, u)| json!({"address": k.to_string(), "series_count": u.series_count})).collect::<Vec<_>>(),
        }),
    ))
}
