//! Names people type for series: an address, or a label `P140` / `C170`
//! with an optional `@YYYY-MM-DD` expiry (and `SOL:` underlying prefix).

use anchor_lang::prelude::Pubkey;
use options_margin::state::{Series, Underlying};
use options_margin_client::amounts::{format_decimal, parse_decimal};
use options_margin_client::decode::{series_of_exchange, underlyings_of_exchange};
use options_margin_client::error::{ClientError, ClientResult};
use options_margin_client::Chain;

use crate::fmt::date;
use crate::profile::Profile;

/// The label of a series: `SOL:P140@2024-08-15`.
pub fn label(profile: &Profile, underlying: &Pubkey, s: &Series) -> String {
    let symbol = profile
        .underlyings
        .iter()
        .find(|(_, a, _)| a == underlying)
        .map(|(sym, _, _)| format!("{sym}:"))
        .unwrap_or_default();
    let kind = if s.is_call != 0 { "C" } else { "P" };
    let strike = format_decimal(i128::from(s.strike_e12), 12);
    let strike = strike.trim_end_matches('0').trim_end_matches('.');
    format!("{symbol}{kind}{strike}@{}", date(s.expiry_ts))
}

/// The series `text` names on `exchange`.
pub async fn series<C: Chain>(
    chain: &C,
    profile: &Profile,
    exchange: &Pubkey,
    text: &str,
) -> ClientResult<(Pubkey, Series)> {
    if let Ok(key) = text.parse::<Pubkey>() {
        let s: Series = options_margin_client::decode::fetch(chain, &key).await?;
        return Ok((key, s));
    }
    let (symbol, rest) = match text.split_once(':') {
        Some((sym, rest)) => (Some(sym), rest),
        None => (None, text),
    };
    let (head, day) = match rest.split_once('@') {
        Some((h, d)) => (h, Some(d)),
        None => (rest, None),
    };
    let bad = || {
        ClientError::Input(format!(
            "{text:?}: a series address or a label like P140, C170@2024-08-15, SOL:P140"
        ))
    };
    let is_call = match head.chars().next().map(|c| c.to_ascii_uppercase()) {
        Some('C') => 1u8,
        Some('P') => 0u8,
        _ => return Err(bad()),
    };
    let strike_e12 = parse_decimal(&head[1..], 12).map_err(|_| bad())?;
    let underlyings = underlyings_of_exchange(chain, exchange).await?;
    let underlying_ok = |u: &Pubkey| match symbol {
        None => true,
        Some(sym) => profile
            .underlyings
            .iter()
            .any(|(s, a, _)| s.eq_ignore_ascii_case(sym) && a == u),
    };
    let found: Vec<(Pubkey, Series)> = series_of_exchange(chain, exchange)
        .await?
        .into_iter()
        .filter(|(_, s)| s.is_call == is_call && s.strike_e12 == strike_e12)
        .filter(|(_, s)| day.is_none_or(|d| date(s.expiry_ts) == d))
        .filter(|(_, s)| {
            underlying_ok(&s.underlying)
                && underlyings
                    .iter()
                    .any(|(k, _): &(Pubkey, Underlying)| *k == s.underlying)
        })
        .collect();
    match found.len() {
        1 => Ok(found[0]),
        0 => Err(ClientError::Input(format!(
            "no series matches {text:?} (see `series list`)"
        ))),
        n => Err(ClientError::Input(format!(
            "{n} series match {text:?}: add @YYYY-MM-DD or SYMBOL:, or give the address"
        ))),
    }
}
