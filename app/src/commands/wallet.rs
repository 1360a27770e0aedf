//! `faucet`, `airdrop`, `keygen`.

use std::path::Path;

use options_margin_client::amounts::{format_decimal, parse_decimal};
use options_margin_client::error::{ClientError, ClientResult};
use options_margin_client::setup::parse_pubkey;
use options_margin_client::token;
use serde_json::json;
use solana_keypair::Keypair;
use solana_signer::Signer;

use crate::commands::account::mint_and_decimals;
use crate::{Context, Output};

pub async fn faucet(
    ctx: &mut Context,
    mint: &str,
    amount: &str,
    to: Option<&str>,
) -> ClientResult<Output> {
    let (mint, decimals) = mint_and_decimals(ctx, mint).await?;
    let amount = parse_decimal(amount, decimals)?;
    let authority = ctx.signer().insecure_clone();
    let owner = match to {
        Some(t) => parse_pubkey(t)?,
        None => authority.pubkey(),
    };
    let ata = token::ata(&owner, &mint);
    let ixs = [
        token::create_ata_idempotent(&authority.pubkey(), &owner, &mint),
        token::mint_to(&mint, &ata, &authority.pubkey(), amount)?,
    ];
    ctx.client.send(&ixs, &[&authority]).await?;
    Ok(Output::new(
        format!(
            "minted {} of {mint} to {ata} (owner {owner})",
            format_decimal(i128::from(amount), decimals)
        ),
        json!({ "mint": mint.to_string(), "token_account": ata.to_string(), "amount_native": amount }),
    ))
}

pub async fn airdrop(ctx: &mut Context, amount: &str, to: Option<&str>) -> ClientResult<Output> {
    let lamports = parse_decimal(amount, 9)?;
    let to = match to {
        Some(t) => parse_pubkey(t)?,
        None => ctx.signer().pubkey(),
    };
    ctx.client.chain.airdrop(&to, lamports).await?;
    Ok(Output::new(
        format!("airdropped {amount} SOL to {to}"),
        json!({ "to": to.to_string(), "lamports": lamports }),
    ))
}

pub async fn warp(ctx: &mut Context, secs: i64) -> ClientResult<Output> {
    use options_margin_client::Chain;
    if secs <= 0 {
        return Err(ClientError::Input(
            "--secs must be positive: time only moves forward".into(),
        ));
    }
    ctx.client.chain.advance_time(secs).await?;
    let now = ctx.client.chain.clock().await?.unix_timestamp;
    Ok(Output::new(
        format!("clock at {}", crate::fmt::date_time(now)),
        json!({ "unix_timestamp": now }),
    ))
}

/// The public key of `--keypair` (no chain needed).
pub fn address(global: &crate::cli::Global) -> ClientResult<Output> {
    let path = global
        .keypair
        .clone()
        .unwrap_or_else(crate::context::default_keypair_path);
    let kp = crate::context::read_keypair(&path)?;
    Ok(Output::new(
        kp.pubkey().to_string(),
        json!({ "pubkey": kp.pubkey().to_string() }),
    ))
}

pub fn keygen(outfile: &Path) -> ClientResult<Output> {
    if outfile.exists() {
        return Err(ClientError::Input(format!(
            "{} exists: not overwriting a keypair",
            outfile.display()
        )));
    }
    if let Some(dir) = outfile.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| ClientError::Input(format!("{}: {e}", dir.display())))?;
    }
    let kp = Keypair::new();
    solana_keypair::write_keypair_file(&kp, outfile)
        .map_err(|e| ClientError::Input(format!("{}: {e}", outfile.display())))?;
    Ok(Output::new(
        format!("wrote {} (pubkey {})", outfile.display(), kp.pubkey()),
        json!({ "outfile": outfile.display().to_string(), "pubkey": kp.pubkey().to_string() }),
    ))
}
