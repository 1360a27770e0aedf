//! [`account_report`] on the embedded chain: a small exchange built with
//! the SDK's instruction builders (USDC settlement, SOL collateral and
//! underlying on one Pyth feed, one call series), a trade, then the report
//! of both sides against the program's own summary.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::program_pack::Pack;
use anchor_spl::token::spl_token;
use options_margin::health::Valuation;
use options_margin::instructions::{CollateralParams, SeriesTerms, UnderlyingParams};
use options_margin::oracle::{OracleConfig, OracleKind};
use options_margin::pda;
use options_margin::state::{Exchange, GridConfig, MarginAccount, RiskParams, Series};
use options_margin_risk::distance::equity_to_tier_ceil;
use options_margin_risk::ScenarioGrid;
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_signer::Signer;
use solana_system_interface::instruction as system_instruction;

use super::*;
use crate::decode::fetch;
use crate::embedded::{program_test, EmbeddedChain};
use crate::health::{after_trade, health_metas};
use crate::ix::{self, TradeAccounts, TransferAccounts};
use crate::pyth_local::PullPrice;

const SOL_FEED: [u8; 32] = [0x5a; 32];
const USDC_FEED: [u8; 32] = [0xea; 32];
const USD_E12: u64 = 1_000_000_000_000;
/// unit: quote native. 1 USD.
const USD: u64 = 1_000_000;
/// unit: lamports of SOL-the-token (9 decimals). 1 SOL.
const SOL: u64 = 1_000_000_000;

struct Desk {
    chain: EmbeddedChain,
    admin: Keypair,
    exchange: Pubkey,
    usdc: Pubkey,
    sol: Pubkey,
    underlying: Pubkey,
    series: Pubkey,
    prices: PriceAccounts,
}

struct Trader {
    wallet: Keypair,
    margin: Pubkey,
}

fn oracle(feed: [u8; 32]) -> OracleConfig {
    OracleConfig::new(OracleKind::PythPull, feed, 60, 200, 10_000)
}

fn collateral_params(feed: [u8; 32], init: u16, maint: u16) -> CollateralParams {
    CollateralParams {
        oracle: oracle(feed),
        init_weight_bps: init,
        maint_weight_bps: maint,
        deposit_cap_native: u64::MAX / 4,
    }
}

impl Desk {
    async fn send(&mut self, ixs: &[Instruction], signers: &[&Keypair]) {
        // The inherent sender (budgets, the payer), not `Chain::send`.
        EmbeddedChain::send(&mut self.chain, ixs, signers)
            .await
            .expect("transaction succeeds");
    }

    async fn funded(&mut self) -> Keypair {
        let kp = Keypair::new();
        let payer = self.chain.payer().pubkey();
        self.send(
            &[system_instruction::transfer(
                &payer,
                &kp.pubkey(),
                10_000_000_000,
            )],
            &[],
        )
        .await;
        kp
    }

    async fn create_mint(&mut self, decimals: u8) -> Pubkey {
        let mint = Keypair::new();
        let payer = self.chain.payer().pubkey();
        let len = spl_token::state::Mint::LEN;
        let rent = self.chain.rent_minimum(len).await;
        let ixs = [
            system_instruction::create_account(
                &payer,
                &mint.pubkey(),
                rent,
                len as u64,
                &spl_token::ID,
            ),
            spl_token::instruction::initialize_mint2(
                &spl_token::ID,
                &mint.pubkey(),
                &payer,
                None,
                decimals,
            )
            .unwrap(),
        ];
        self.send(&ixs, &[&mint]).await;
        mint.pubkey()
    }

    /// A token account of `mint` for `owner` holding `amount_native`.
    async fn tokens(&mut self, mint: &Pubkey, owner: &Pubkey, amount_native: u64) -> Pubkey {
        let account = Keypair::new();
        let payer = self.chain.payer().pubkey();
        let len = spl_token::state::Account::LEN;
        let rent = self.chain.rent_minimum(len).await;
        let ixs = [
            system_instruction::create_account(
                &payer,
                &account.pubkey(),
                rent,
                len as u64,
                &spl_token::ID,
            ),
            spl_token::instruction::initialize_account3(
                &spl_token::ID,
                &account.pubkey(),
                mint,
                owner,
            )
            .unwrap(),
            spl_token::instruction::mint_to(
                &spl_token::ID,
                mint,
                &account.pubkey(),
                &payer,
                &[],
                amount_native,
            )
            .unwrap(),
        ];
        self.send(&ixs, &[&account]).await;
        account.pubkey()
    }

    /// The exchange with default risk parameters, SOL at 150 USD, and a
    /// 30-day call 160 at 80% volatility, refreshed.
    async fn setup() -> Self {
        let chain = EmbeddedChain::start(program_test()).await;
        let mut desk = Self {
            chain,
            admin: Keypair::new(),
            exchange: Pubkey::default(),
            usdc: Pubkey::default(),
            sol: Pubkey::default(),
            underlying: Pubkey::default(),
            series: Pubkey::default(),
            prices: PriceAccounts::default(),
        };
        desk.admin = desk.funded().await;
        let admin = desk.admin.insecure_clone();
        let a = admin.pubkey();
        desk.exchange = pda::exchange(&a).0;
        let ex = desk.exchange;
        desk.send(
            &[ix::initialize_exchange(&a, a, RiskParams::defaults())],
            &[&admin],
        )
        .await;
        desk.send(&[ix::create_loss_shards(&a, &ex)], &[&admin])
            .await;
        desk.usdc = desk.create_mint(6).await;
        desk.sol = desk.create_mint(9).await;
        let (usdc, sol) = (desk.usdc, desk.sol);
        desk.send(
            &[
                ix::add_collateral(
                    &a,
                    &ex,
                    &usdc,
                    true,
                    collateral_params(USDC_FEED, 10_000, 10_000),
                ),
                ix::add_collateral(
                    &a,
                    &ex,
                    &sol,
                    false,
                    collateral_params(SOL_FEED, 8_000, 9_000),
                ),
            ],
            &[&admin],
        )
        .await;

        let now = desk.chain.now().await;
        let price_account = Pubkey::new_unique();
        let update = PullPrice::usd_e8(SOL_FEED, 15_000_000_000, 7_500_000, now);
        desk.chain.set_account(&price_account, update.to_account());
        desk.prices.set(SOL_FEED, price_account);

        let params = UnderlyingParams {
            oracle: oracle(SOL_FEED),
            grid: GridConfig::from_grid(&ScenarioGrid::default_grid()),
            rate_e6: 50_000,
            vol_max_age_secs: 3_600,
            short_floor_mm_bps: 100,
            short_floor_im_bps: 150,
            max_vol_change_bps: 5_000,
            vol_change_window_secs: 3_600,
        };
        desk.send(&[ix::add_underlying(&a, &ex, 0, params)], &[&admin])
            .await;
        desk.underlying = pda::underlying(&ex, 0).0;
        let terms = SeriesTerms {
            is_call: true,
            strike_e12: 160 * USD_E12,
            expiry_ts: now + 30 * 86_400,
            contract_size_e6: 1_000_000,
            lot_size_contracts: 1,
        };
        let u = desk.underlying;
        desk.series = pda::series(&u, &terms).0;
        let s = desk.series;
        desk.send(
            &[
                ix::create_series(&a, &ex, &u, terms),
                ix::set_volatility(&a, &ex, &u, &s, 800_000),
                ix::refresh_series_risk(&u, &s, &price_account),
            ],
            &[&admin],
        )
        .await;
        desk
    }

    /// A wallet with margin account 0 holding `usdc_native` USDC and
    /// `sol_native` SOL, deposited.
    async fn trader(&mut self, usdc_native: u64, sol_native: u64) -> Trader {
        let wallet = self.funded().await;
        let w = wallet.pubkey();
        self.send(
            &[ix::create_margin_account(&w, &self.exchange, 0)],
            &[&wallet],
        )
        .await;
        let margin = pda::margin_account(&self.exchange, &w, 0).0;
        for (mint, amount) in [(self.usdc, usdc_native), (self.sol, sol_native)] {
            if amount > 0 {
                let token = self.tokens(&mint, &w, amount).await;
                let accounts = TransferAccounts::new(w, self.exchange, margin, mint, token);
                self.send(&[ix::deposit(&accounts, amount)], &[&wallet])
                    .await;
            }
        }
        Trader { wallet, margin }
    }

    /// `buyer` buys `contracts` from `seller` at `premium_native` per contract.
    async fn trade(
        &mut self,
        buyer: &Trader,
        seller: &Trader,
        contracts: i64,
        premium_native: u64,
    ) {
        let exchange: Exchange = fetch(&self.chain, &self.exchange).await.unwrap();
        let mut health = Vec::new();
        for t in [buyer, seller] {
            let account: MarginAccount = fetch(&self.chain, &t.margin).await.unwrap();
            let after = after_trade(&account, &self.series);
            health.push(
                health_metas(&self.chain, &self.prices, &self.exchange, &exchange, &after)
                    .await
                    .unwrap(),
            );
        }
        let accounts = TradeAccounts {
            owner_a: buyer.wallet.pubkey(),
            owner_b: seller.wallet.pubkey(),
            exchange: self.exchange,
            account_a: buyer.margin,
            account_b: seller.margin,
            series: self.series,
        };
        let ix = ix::trade(&accounts, contracts, premium_native, &health[0], &health[1]);
        self.send(&[ix], &[&buyer.wallet, &seller.wallet]).await;
    }
}

#[tokio::test]
async fn the_report_of_both_sides_of_a_trade_is_the_programs() {
    let mut desk = Desk::setup().await;
    let buyer = desk.trader(1_000 * USD, 5 * SOL).await;
    let writer = desk.trader(2_000 * USD, 0).await;
    let series: Series = fetch(&desk.chain, &desk.series).await.unwrap();
    let premium = series.risk.mark_native as u64;
    desk.trade(&buyer, &writer, 10, premium).await;

    for (trader, size) in [(&writer, -10i64), (&buyer, 10)] {
        let report = account_report(&desk.chain, &desk.prices, &trader.margin)
            .await
            .unwrap();
        let ctx = HealthContext::fetch(&desk.chain, &desk.prices, &trader.margin)
            .await
            .unwrap();
        let summary = ctx.summary(Valuation::Spot).unwrap();
        assert_eq!(report.margin.summary, summary);
        assert_eq!(report.header.owner, trader.wallet.pubkey());
        assert_eq!(report.header.exchange, desk.exchange);

        let [p] = &report.positions[..] else {
            panic!("one position")
        };
        assert_eq!((p.series, p.size_contracts), (desk.series, size));
        assert_eq!(p.cost_basis_native, size * premium as i64);
        // Traded at the mark: a long is flat, a short is one native unit
        // per contract down (its liability is never under-stated).
        let expected_pnl = if size < 0 { size } else { 0 };
        assert_eq!(p.unrealized_pnl_native, expected_pnl);
        assert_eq!(p.delta_e9, size * series.risk.delta_e9);

        let params = ctx.exchange.liquidation_params();
        assert_eq!(report.liquidation.tier, params.tier_of(summary.ratio_bps));
        assert_eq!(
            report.distance.equity_loss_native,
            equity_to_tier_ceil(
                summary.equity_native,
                summary.maintenance_margin_native,
                &params
            )
            .unwrap()
        );
        // Refreshed at this very price, time and volatility: the model's
        // totals at the current spot are the program's.
        let [u] = &report.distance.underlyings[..] else {
            panic!("one underlying")
        };
        assert_eq!(u.underlying, desk.underlying);
        let o = u.outcome.unwrap();
        assert_eq!(o.at_spot.equity_native, summary.equity_native);
        assert_eq!(o.at_spot.mm_native, summary.maintenance_margin_native);

        let json = report.to_json();
        assert_eq!(json["margin_account"], trader.margin.to_string());
        assert_eq!(json["margin"]["equity_native"], summary.equity_native);
        let table = report.render_table();
        assert!(table.contains(&trader.margin.to_string()), "{table}");
        println!("{table}");
    }

    // The writer: premium received on top of the deposit; short calls
    // only ever hurt on a rise.
    let report = account_report(&desk.chain, &desk.prices, &writer.margin)
        .await
        .unwrap();
    let usdc = &report.collaterals[0];
    assert!(usdc.is_settlement);
    assert_eq!(usdc.balance_native, (2_000 * USD + 10 * premium) as i64);
    let tiers = report.distance.underlyings[0].outcome.unwrap().tiers;
    assert!(tiers.up_trigger_spot_e12.iter().all(Option::is_some));
    assert!(tiers.down_trigger_spot_e12.iter().all(Option::is_none));

    // The buyer: 5 SOL at 150 − 0.075 (1·conf), tied to the underlying.
    let report = account_report(&desk.chain, &desk.prices, &buyer.margin)
        .await
        .unwrap();
    let sol = &report.collaterals[1];
    assert_eq!((sol.mint, sol.value_native), (desk.sol, 749_625_000));
    assert_eq!(
        (sol.haircut_im_native, sol.haircut_mm_native),
        (149_925_000, 74_962_500)
    );
    assert_eq!(sol.follows_underlying, Some(desk.underlying));
}
