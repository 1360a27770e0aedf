//! What `exchange init` records so later commands can name things by
//! symbol: the exchange, and per collateral its mint and decimals, per
//! underlying its address and feed. A JSON file beside the ledger (or in
//! the working directory against a cluster); `--exchange` and addresses
//! work without it.

use std::path::{Path, PathBuf};

use anchor_lang::prelude::Pubkey;
use options_margin_client::error::{ClientError, ClientResult};
use options_margin_client::setup::parse_pubkey;
use serde_json::{json, Value};

use crate::cli::Global;

#[derive(Clone, Debug, Default)]
pub struct Profile {
    pub exchange: Option<Pubkey>,
    /// (symbol, mint, decimals)
    pub collaterals: Vec<(String, Pubkey, u8)>,
    /// (symbol, underlying address, feed id)
    pub underlyings: Vec<(String, Pubkey, [u8; 32])>,
}

/// The profile file `global` names.
pub fn path(global: &Global) -> PathBuf {
    match (&global.profile, &global.ledger) {
        (Some(p), _) => p.clone(),
        (None, Some(dir)) => dir.join("profile.json"),
        (None, None) => PathBuf::from("options-margin-profile.json"),
    }
}

impl Profile {
    pub fn load(path: &Path) -> ClientResult<Self> {
        if !path.exists() {
            return Ok(Self::default());
        }
        let bad = |e: String| ClientError::Input(format!("{}: {e}", path.display()));
        let text = std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
        let v: Value = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
        let key =
            |v: &Value| -> ClientResult<Pubkey> { parse_pubkey(v.as_str().unwrap_or_default()) };
        let mut p = Self {
            exchange: v.get("exchange").map(key).transpose()?,
            ..Self::default()
        };
        for c in v["collaterals"].as_array().into_iter().flatten() {
            p.collaterals.push((
                c["symbol"].as_str().unwrap_or_default().to_owned(),
                key(&c["mint"])?,
                c["decimals"].as_u64().unwrap_or(0) as u8,
            ));
        }
        for u in v["underlyings"].as_array().into_iter().flatten() {
            let feed = options_margin_client::pyth_local::feed_id_from_hex(
                u["feed"].as_str().unwrap_or_default(),
            )
            .ok_or_else(|| bad("bad feed id".into()))?;
            p.underlyings.push((
                u["symbol"].as_str().unwrap_or_default().to_owned(),
                key(&u["address"])?,
                feed,
            ));
        }
        Ok(p)
    }

    pub fn store(&self, path: &Path) -> ClientResult<()> {
        let hex = |f: &[u8; 32]| f.iter().map(|b| format!("{b:02x}")).collect::<String>();
        let v = json!({
            "exchange": self.exchange.map(|k| k.to_string()),
            "collaterals": self.collaterals.iter().map(|(s, m, d)| json!({"symbol": s, "mint": m.to_string(), "decimals": d})).collect::<Vec<_>>(),
            "underlyings": self.underlyings.iter().map(|(s, a, f)| json!({"symbol": s, "address": a.to_string(), "feed": hex(f)})).collect::<Vec<_>>(),
        });
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| ClientError::Input(format!("{}: {e}", dir.display())))?;
        }
        std::fs::write(path, serde_json::to_string_pretty(&v).unwrap_or_default())
            .map_err(|e| ClientError::Input(format!("{}: {e}", path.display())))
    }

    /// The mint a `--mint` argument names (symbol or address) and its decimals if known.
    pub fn mint(&self, text: &str) -> ClientResult<(Pubkey, Option<u8>)> {
        if let Some((_, m, d)) = self
            .collaterals
            .iter()
            .find(|(s, _, _)| s.eq_ignore_ascii_case(text))
        {
            return Ok((*m, Some(*d)));
        }
        let key = parse_pubkey(text).map_err(|_| {
            ClientError::Input(format!(
                "{text:?} is neither a collateral symbol of the profile nor a mint address"
            ))
        })?;
        Ok((
            key,
            self.collaterals
                .iter()
                .find(|(_, m, _)| *m == key)
                .map(|c| c.2),
        ))
    }

    /// The feed id a `--feed` argument names (symbol or 64 hex digits).
    pub fn feed(&self, text: &str) -> ClientResult<[u8; 32]> {
        if let Some((_, _, f)) = self
            .underlyings
            .iter()
            .find(|(s, _, _)| s.eq_ignore_ascii_case(text))
        {
            return Ok(*f);
        }
        options_margin_client::pyth_local::feed_id_from_hex(text).ok_or_else(|| {
            ClientError::Input(format!(
                "{text:?} is neither an underlying symbol nor a feed id"
            ))
        })
    }
}
