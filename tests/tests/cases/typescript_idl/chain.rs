//! Account and event fixtures from real transactions on the bench: a desk
//! (exchange, USDC and SOL, one underlying) where a writer sells ten
//! one-day puts, is partly liquidated in a price fall, pays the insurance
//! share that is then swept, and goes bankrupt at expiry; along the way
//! every event the program emits is captured from its transaction and
//! accounts of every type are read as the program wrote them. Then the
//! instructions `migrations/deploy.ts` must send are sent on the bench.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::program_pack::Pack;
use anchor_lang::{AnchorDeserialize, Discriminator, Event};
use anchor_spl::token::spl_token;
use options_margin::events::*;
use options_margin::pda;
use options_margin::state::{
    Collateral, Exchange, LossShard, MarginAccount, RiskParams, Series, Underlying,
};
use options_margin_tests::bench::sbf_binary_available;
use options_margin_tests::budget::transaction_budget;
use options_margin_tests::exchange::{sol_collateral_params, usdc_collateral_params};
use options_margin_tests::ix;
use options_margin_tests::options::sol_terms;
use options_margin_tests::TestBench;
use solana_account::Account;
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_signer::Signer;

use super::super::desk::{Desk, DAY, SOL_150_E8, USD};
use super::json::{self, Json, ToJson};

/// An account as the program wrote it, and what Rust decodes from it.
pub struct AccountFixture {
    name: &'static str,
    address: Pubkey,
    data: Vec<u8>,
    decoded: Json,
}

/// An event payload (discriminator + borsh) captured from a transaction.
pub struct EventFixture {
    name: &'static str,
    instruction: &'static str,
    /// `emit_cpi!` (an inner instruction) or `emit!` (a log line).
    via_log: bool,
    data: Vec<u8>,
    decoded: Json,
}

impl AccountFixture {
    pub fn to_json(&self) -> Json {
        Json::obj([
            ("name", Json::str(self.name)),
            ("address", self.address.to_json()),
            ("data", json::hex(&self.data)),
            ("decoded", self.decoded.clone()),
        ])
    }
}

impl EventFixture {
    pub fn to_json(&self) -> Json {
        Json::obj([
            ("name", Json::str(self.name)),
            ("instruction", Json::str(self.instruction)),
            ("via", Json::str(if self.via_log { "log" } else { "cpi" })),
            ("data", json::hex(&self.data)),
            ("decoded", self.decoded.clone()),
        ])
    }
}

/// The last segment of a type's path: the IDL's name for it.
fn short_name<T>() -> &'static str {
    let full = std::any::type_name::<T>();
    full.rsplit("::").next().unwrap_or(full)
}

/// The first payload of event `E` among `payloads`, decoded by Rust.
fn event<E: Event + AnchorDeserialize + ToJson>(
    payloads: &[Vec<u8>],
    instruction: &'static str,
    via_log: bool,
) -> EventFixture {
    let data = payloads
        .iter()
        .find(|p| p.starts_with(E::DISCRIMINATOR))
        .unwrap_or_else(|| panic!("{instruction} emitted no {}", short_name::<E>()))
        .clone();
    let decoded = E::try_from_slice(&data[8..]).expect("the payload decodes, every byte");
    EventFixture {
        name: short_name::<E>(),
        instruction,
        via_log,
        data,
        decoded: decoded.to_json(),
    }
}

/// Account `address` as the program wrote it, decoded as `T` by the SDK.
async fn account<T: bytemuck::Pod + Discriminator + ToJson>(
    bench: &TestBench,
    address: &Pubkey,
) -> AccountFixture {
    let acc = bench.get_account(address).await.expect("account exists");
    assert_eq!(acc.owner, options_margin::ID, "{address} is the program's");
    let decoded: T = options_margin_client::decode::decode(&acc.data)
        .unwrap_or_else(|| panic!("{address} decodes as {}", short_name::<T>()));
    AccountFixture {
        name: short_name::<T>(),
        address: *address,
        data: acc.data,
        decoded: decoded.to_json(),
    }
}

/// An `emit!` event of `ixs`, sent now. On SBF the runtime logs it as
/// `Program data: <base64>` and that payload is the fixture; natively
/// program-test drops those logs (its syscall stubs print them to stdout),
/// so the payload is rebuilt from what the transaction wrote (`rebuild`
/// reads the chain after it) with `Event::data`, the encoding `emit!` logs.
/// The SBF run asserts that both are the same bytes.
async fn logged_event<E, F>(
    bench: &mut TestBench,
    ixs: &[Instruction],
    signers: &[&Keypair],
    instruction: &'static str,
    rebuild: F,
) -> EventFixture
where
    E: Event + AnchorDeserialize + ToJson,
    F: AsyncFnOnce(&TestBench) -> E,
{
    let logs = bench
        .simulate(ixs, signers, transaction_budget(ixs))
        .await
        .expect("simulation")
        .logs;
    bench.send(ixs, signers).await.expect(instruction);
    let logged: Vec<Vec<u8>> = logs
        .iter()
        .filter_map(|l| l.strip_prefix("Program data: "))
        .map(|b64| base64_decode(b64.trim()))
        .collect();
    let rebuilt = rebuild(bench).await.data();
    if sbf_binary_available() {
        let fixture = event::<E>(&logged, instruction, true);
        assert_eq!(
            fixture.data, rebuilt,
            "{instruction}: the logged event is the rebuilt one"
        );
        fixture
    } else {
        event::<E>(&[rebuilt], instruction, true)
    }
}

/// Standard base64 with padding, as the runtime logs event data.
fn base64_decode(s: &str) -> Vec<u8> {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.bytes().filter(|&c| c != b'=') {
        let v = ALPHABET.iter().position(|&a| a == c).expect("base64 digit") as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

/// What the desk's transactions left: accounts of every type, every event.
pub struct Captured {
    pub accounts: Vec<AccountFixture>,
    pub events: Vec<EventFixture>,
}

/// Accounts of every type as they stand, with both collaterals.
async fn snapshot(d: &Desk, series: &Pubkey, margins: &[Pubkey]) -> Vec<AccountFixture> {
    let b = &d.bench;
    let mut out = vec![
        account::<Exchange>(b, &d.fx.exchange).await,
        account::<Collateral>(b, &d.fx.usdc.config).await,
        account::<Collateral>(b, &d.fx.sol.config).await,
        account::<Underlying>(b, &d.underlyings[0]).await,
        account::<Series>(b, series).await,
    ];
    for m in margins {
        out.push(account::<MarginAccount>(b, m).await);
        out.push(account::<LossShard>(b, &pda::loss_shard_of(&d.fx.exchange, m)).await);
    }
    out
}

/// The desk's life, capturing as it goes (see the module doc).
pub async fn desk() -> Captured {
    let mut d = Desk::new(1, 300 * USD, 0).await;
    let mut events = proposals(&mut d).await;
    let near = open_and_trade(&mut d, &mut events).await;
    let mut accounts = snapshot(&d, &near, &[d.writer.margin, d.buyer.margin]).await;
    withdraw_and_liquidate(&mut d, &mut events).await;
    expire_to_bankruptcy(&mut d, &near, &mut events).await;
    accounts.extend(snapshot(&d, &near, &[d.writer.margin, d.keeper.margin]).await);
    Captured { accounts, events }
}

/// Risk and collateral proposals: the two events logged with `emit!` (the
/// rest travel as self-CPIs).
async fn proposals(d: &mut Desk) -> Vec<EventFixture> {
    let exchange = d.fx.exchange;
    let admin = d.fx.admin.insecure_clone();
    let propose = ix::propose_risk_params(&admin.pubkey(), &exchange, RiskParams::defaults());
    let risk = logged_event(
        &mut d.bench,
        &[propose],
        &[&admin],
        "propose_risk_params",
        async |b: &TestBench| RiskParamsProposedEvent {
            exchange,
            apply_after_ts: b.load_zc::<Exchange>(&exchange).await.pending_risk_apply_ts,
        },
    )
    .await;
    let (sol, sol_config) = (d.fx.sol.mint, d.fx.sol.config);
    let propose =
        ix::propose_collateral_params(&admin.pubkey(), &exchange, &sol, sol_collateral_params());
    let collateral = logged_event(
        &mut d.bench,
        &[propose],
        &[&admin],
        "propose_collateral_params",
        async |b: &TestBench| CollateralParamsProposedEvent {
            collateral: sol_config,
            apply_after_ts: b.load_zc::<Collateral>(&sol_config).await.pending_apply_ts,
        },
    )
    .await;
    vec![risk, collateral]
}

/// A deposit, a one-day 140 put (volatility set, vectors refreshed) and
/// the writer's sale of ten of them to the buyer at the mark. Returns the put.
async fn open_and_trade(d: &mut Desk, events: &mut Vec<EventFixture>) -> Pubkey {
    let (exchange, usdc) = (d.fx.exchange, d.fx.usdc.mint);
    let admin = d.fx.admin.insecure_clone();
    let deposit = ix::deposit(&d.fx.transfer_accounts(&d.buyer, &usdc), 1_000 * USD);
    let cpi = d
        .bench
        .send_capturing_events(&[deposit], &[&d.buyer.wallet])
        .await
        .expect("deposit");
    events.push(event::<DepositEvent>(&cpi, "deposit", false));

    let now = d.bench.now().await;
    let near = d.series(0, sol_terms(false, 140, now + DAY), 750_000).await;
    let under = d.underlyings[0];
    let set_vol = ix::set_volatility(&admin.pubkey(), &exchange, &under, &near, 750_000);
    let cpi = d
        .bench
        .send_capturing_events(&[set_vol], &[&admin])
        .await
        .expect("set_volatility");
    events.push(event::<VolatilityUpdatedEvent>(
        &cpi,
        "set_volatility",
        false,
    ));
    let refresh = ix::refresh_series_risk(&under, &near, &d.fx.sol.oracle);
    let cpi = d
        .bench
        .send_capturing_events(&[refresh], &[])
        .await
        .expect("refresh_series_risk");
    events.push(event::<SeriesRiskRefreshedEvent>(
        &cpi,
        "refresh_series_risk",
        false,
    ));

    let mark = d.bench.load_zc::<Series>(&near).await.risk.mark_native as u64;
    let cpi =
        d.fx.trade(&mut d.bench, &d.buyer, &d.writer, &near, 10, mark)
            .await
            .expect("trade");
    events.push(event::<TradeEvent>(&cpi, "trade", false));
    near
}

/// The buyer withdraws; SOL falls until the writer is in a tier, one
/// contract is liquidated (the rest stays for the bankruptcy) and the
/// insurance share it accrued is swept.
async fn withdraw_and_liquidate(d: &mut Desk, events: &mut Vec<EventFixture>) {
    let (exchange, usdc) = (d.fx.exchange, d.fx.usdc.mint);
    let health = d.fx.health_accounts(&d.bench, &d.buyer.margin).await;
    let accounts = d.fx.transfer_accounts(&d.buyer, &usdc);
    let withdraw = ix::withdraw(&accounts, 100 * USD, &health);
    let cpi = d
        .bench
        .send_capturing_events(&[withdraw], &[&d.buyer.wallet])
        .await
        .expect("withdraw");
    events.push(event::<WithdrawEvent>(&cpi, "withdraw", false));

    d.fall_below(SOL_150_E8, 10_500).await;
    let cpi =
        d.fx.liquidate(&mut d.bench, &d.keeper, &d.writer.margin, 1, 0)
            .await
            .expect("partial_liquidate");
    events.push(event::<LiquidationEvent>(&cpi, "partial_liquidate", false));
    let sweep = ix::sweep_insurance(&exchange, &usdc, &[d.writer.margin]);
    let cpi = d
        .bench
        .send_capturing_events(&[sweep], &[])
        .await
        .expect("sweep_insurance");
    events.push(event::<InsuranceSweptEvent>(&cpi, "sweep_insurance", false));
}

/// Expiry at $100: the put pays $40 a contract, more than the writer has;
/// its position settles, the keeper funds insurance, which covers the deficit.
async fn expire_to_bankruptcy(d: &mut Desk, near: &Pubkey, events: &mut Vec<EventFixture>) {
    let (exchange, usdc, under) = (d.fx.exchange, d.fx.usdc.mint, d.underlyings[0]);
    d.bench.advance_time(DAY).await;
    d.move_to(10_000_000_000).await;
    let cpi =
        d.fx.settle_at(&mut d.bench, &under, near, 10_000_000_000)
            .await
            .expect("settle_series");
    events.push(event::<SeriesSettledEvent>(&cpi, "settle_series", false));
    let settle = ix::settle_positions(&exchange, &d.writer.margin, near);
    let cpi = d
        .bench
        .send_capturing_events(&[settle], &[])
        .await
        .expect("settle_positions");
    events.push(event::<PositionSettledEvent>(
        &cpi,
        "settle_positions",
        false,
    ));
    let fund = ix::deposit_insurance(
        &d.keeper.wallet.pubkey(),
        &exchange,
        &usdc,
        &d.keeper.usdc_token,
        1_000 * USD,
    );
    let cpi = d
        .bench
        .send_capturing_events(&[fund], &[&d.keeper.wallet])
        .await
        .expect("deposit_insurance");
    events.push(event::<InsuranceDepositEvent>(
        &cpi,
        "deposit_insurance",
        false,
    ));
    let resolve = ix::resolve_bankruptcy(&exchange, &d.writer.margin, &usdc);
    let cpi = d
        .bench
        .send_capturing_events(&[resolve], &[])
        .await
        .expect("resolve_bankruptcy");
    events.push(event::<BankruptcyEvent>(&cpi, "resolve_bankruptcy", false));
}

/// Mainnet USDC, the settlement mint `migrations/deploy.ts` registers.
const USDC_MAINNET: Pubkey = Pubkey::from_str_const("EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v");

/// What `migrations/deploy.ts` promises in its comment, built by the SDK:
/// the exchange with the risk crate's defaults (the deployer as admin and
/// volatility authority), then USDC as settlement collateral and wrapped
/// SOL after it, with the bench's oracle configs and weights. The deployer
/// sends them on a fresh bench, where the mainnet mints are planted, so the
/// script's sequence is one the program accepts.
pub async fn deploy() -> (Pubkey, Vec<Instruction>) {
    let mut bench = TestBench::start(options_margin_tests::bench::program_test()).await;
    let deployer = bench.funded_keypair(10_000_000_000).await;
    let d = deployer.pubkey();
    let exchange = pda::exchange(&d).0;
    let wsol = spl_token::native_mint::ID;
    let ixs = vec![
        ix::initialize_exchange(&d, d, RiskParams::defaults()),
        ix::add_collateral(&d, &exchange, &USDC_MAINNET, true, usdc_collateral_params()),
        ix::add_collateral(&d, &exchange, &wsol, false, sol_collateral_params()),
    ];
    for (mint, decimals) in [(USDC_MAINNET, 6), (wsol, 9)] {
        plant_mint(&mut bench, &mint, decimals).await;
    }
    for ix in &ixs {
        bench
            .send(std::slice::from_ref(ix), &[&deployer])
            .await
            .expect("the deploy script's instruction");
    }
    let ex: Exchange = bench.load_zc(&exchange).await;
    assert_eq!((ex.admin, ex.vol_authority, ex.collateral_count), (d, d, 2));
    assert_eq!(ex.settlement_mint, USDC_MAINNET);
    (d, ixs)
}

/// An initialised SPL mint with no authority at `address`.
async fn plant_mint(bench: &mut TestBench, address: &Pubkey, decimals: u8) {
    let mut mint = spl_token::state::Mint::unpack_unchecked(&[0; spl_token::state::Mint::LEN])
        .expect("an empty mint");
    mint.decimals = decimals;
    mint.is_initialized = true;
    let mut data = vec![0; spl_token::state::Mint::LEN];
    spl_token::state::Mint::pack(mint, &mut data).expect("pack");
    let lamports = bench.rent_minimum(data.len()).await;
    bench.set_account(
        address,
        Account {
            lamports,
            data,
            owner: spl_token::ID,
            executable: false,
            rent_epoch: 0,
        },
    );
}
