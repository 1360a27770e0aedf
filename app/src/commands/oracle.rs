//! `oracle publish`: a price on a local ledger, as a Pyth PriceUpdateV2 in
//! the real layout at the feed's push-oracle address (where the client
//! reads it on a cluster too). Refused on a cluster.

use options_margin_client::amounts::{format_usd, parse_decimal};
use options_margin_client::error::{ClientError, ClientResult};
use options_margin_client::pyth_local::PullPrice;
use options_margin_client::Chain;
use serde_json::json;

use crate::{Context, Output};

pub async fn publish(
    ctx: &mut Context,
    feed: &str,
    price: &str,
    conf: Option<&str>,
) -> ClientResult<Output> {
    let feed_id = ctx.profile.feed(feed)?;
    let price_e8 = parse_decimal(price, 8)?;
    if price_e8 == 0 {
        return Err(ClientError::Input("the price must be positive".into()));
    }
    let conf_e8 = match conf {
        Some(c) => parse_decimal(c, 8)?,
        None => price_e8 / 2_000,
    };
    let now = ctx.client.chain.clock().await?.unix_timestamp;
    let price_i64 =
        i64::try_from(price_e8).map_err(|_| ClientError::Input("price too large".into()))?;
    let update = PullPrice::usd_e8(feed_id, price_i64, conf_e8, now);
    let address = options_margin_client::oracles::push_feed_account(&feed_id, 0);
    ctx.client.chain.publish_price(&address, update)?;
    Ok(Output::new(
        format!(
            "published {feed} at {} (± {}) to {address}",
            format_usd(i128::from(price_e8 / 100)),
            format_usd(i128::from(conf_e8 / 100))
        ),
        json!({ "account": address.to_string(), "price_e8": price_e8, "conf_e8": conf_e8, "publish_time": now }),
    ))
}
