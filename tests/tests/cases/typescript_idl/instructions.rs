//! Instruction fixtures: for every instruction of the program, what the SDK
//! builder (`options_margin_tests::ix`) produces for one set of arguments,
//! with the arguments and each named account as the IDL names them. The
//! TypeScript check encodes the same arguments and accounts with the IDL
//! and must get the very same data and account metas.
//!
//! The values reach the encodings' edges: 64-bit amounts above 2^53 (where a
//! JavaScript number would round), `u64::MAX`, negative `i64` and `i32`, a
//! `u16` seed of two distinct bytes (endianness of an `arg` seed), and
//! remaining accounts after the named ones.

use anchor_lang::prelude::{AccountMeta, Pubkey};
use anchor_spl::token::spl_token;
use options_margin::instructions::{LiquidateArgs, SeriesTerms, TradeArgs};
use options_margin::oracle::{OracleConfig, OracleKind};
use options_margin::pda;
use options_margin::state::RiskParams;
use options_margin_tests::exchange::{sol_collateral_params, usdc_collateral_params};
use options_margin_tests::ix::{self, TradeAccounts, TransferAccounts};
use options_margin_tests::options::sol_underlying_params;
use solana_instruction::Instruction;

use super::json::{self, Json, ToJson};

/// One instruction as the SDK builds it.
pub struct IxFixture {
    pub name: &'static str,
    /// In the IDL's argument order.
    pub args: Vec<(&'static str, Json)>,
    /// Every account of the IDL's list, by its IDL name.
    pub accounts: Vec<(&'static str, Pubkey)>,
    pub ix: Instruction,
}

impl IxFixture {
    pub fn to_json(&self) -> Json {
        let args = self
            .args
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        let accounts = self
            .accounts
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_json()))
            .collect();
        Json::obj([
            ("name", Json::str(self.name)),
            ("args", Json::Obj(args)),
            ("accounts", Json::Obj(accounts)),
            ("program_id", self.ix.program_id.to_json()),
            ("data", json::hex(&self.ix.data)),
            ("metas", json::metas(&self.ix.accounts)),
        ])
    }
}

/// A distinct, recognisable key.
fn key(tag: u8) -> Pubkey {
    Pubkey::new_from_array([tag; 32])
}

/// 2^53 + 1: the first integer a JavaScript number cannot hold.
const ABOVE_2_53: u64 = 9_007_199_254_740_993;

fn readonly(keys: &[Pubkey]) -> Vec<AccountMeta> {
    keys.iter()
        .map(|k| AccountMeta::new_readonly(*k, false))
        .collect()
}

/// Every instruction of the program, one fixture each.
pub fn all() -> Vec<IxFixture> {
    let mut out = admin();
    out.extend(collaterals());
    out.extend(series());
    out.extend(trading());
    out.extend(liquidation());
    out.extend(margin());
    out
}

fn admin() -> Vec<IxFixture> {
    let creator = key(1);
    let vol_authority = key(2);
    let exchange = pda::exchange(&creator).0;
    let vault_authority = pda::vault_authority(&exchange).0;
    let system = anchor_lang::system_program::ID;
    let admin = key(3);
    let new_admin = key(4);
    let mut proposed = RiskParams::defaults();
    proposed.fee_flat_native = ABOVE_2_53;
    proposed.dust_native = u64::MAX;
    proposed.tiers[0].below_ratio_bps = u32::MAX;
    vec![
        IxFixture {
            name: "initialize_exchange",
            args: vec![
                ("vol_authority", vol_authority.to_json()),
                ("risk", RiskParams::defaults().to_json()),
            ],
            accounts: vec![
                ("creator", creator),
                ("exchange", exchange),
                ("vault_authority", vault_authority),
                ("system_program", system),
            ],
            ix: ix::initialize_exchange(&creator, vol_authority, RiskParams::defaults()),
        },
        IxFixture {
            name: "propose_risk_params",
            args: vec![("risk", proposed.to_json())],
            accounts: vec![("admin", admin), ("exchange", exchange)],
            ix: ix::propose_risk_params(&admin, &exchange, proposed),
        },
        IxFixture {
            name: "apply_risk_params",
            args: vec![],
            accounts: vec![("exchange", exchange)],
            ix: ix::apply_risk_params(&exchange),
        },
        IxFixture {
            name: "set_pause_flags",
            args: vec![("pause_flags", 0b1011u8.to_json())],
            accounts: vec![("admin", admin), ("exchange", exchange)],
            ix: ix::set_pause_flags(&admin, &exchange, 0b1011),
        },
        IxFixture {
            name: "set_vol_authority",
            args: vec![("vol_authority", vol_authority.to_json())],
            accounts: vec![("admin", admin), ("exchange", exchange)],
            ix: ix::set_vol_authority(&admin, &exchange, vol_authority),
        },
        IxFixture {
            name: "propose_admin",
            args: vec![("new_admin", new_admin.to_json())],
            accounts: vec![("admin", admin), ("exchange", exchange)],
            ix: ix::propose_admin(&admin, &exchange, new_admin),
        },
        IxFixture {
            name: "accept_admin",
            args: vec![],
            accounts: vec![("pending_admin", new_admin), ("exchange", exchange)],
            ix: ix::accept_admin(&new_admin, &exchange),
        },
        IxFixture {
            name: "create_loss_shards",
            args: vec![],
            accounts: vec![
                ("payer", admin),
                ("exchange", exchange),
                ("system_program", system),
            ],
            ix: ix::create_loss_shards(&admin, &exchange),
        },
    ]
}

fn collaterals() -> Vec<IxFixture> {
    let admin = key(3);
    let exchange = key(10);
    let mint = key(11);
    let collateral = pda::collateral(&exchange, &mint).0;
    let mut legacy = sol_collateral_params();
    legacy.oracle = OracleConfig::new(OracleKind::PythLegacy, key(12).to_bytes(), 30, 150, 5_000);
    legacy.deposit_cap_native = ABOVE_2_53;
    vec![
        IxFixture {
            name: "add_collateral",
            args: vec![
                ("is_settlement", true.to_json()),
                ("params", usdc_collateral_params().to_json()),
            ],
            accounts: vec![
                ("admin", admin),
                ("exchange", exchange),
                ("mint", mint),
                ("collateral", collateral),
                ("vault", pda::vault(&exchange, &mint).0),
                ("vault_authority", pda::vault_authority(&exchange).0),
                ("token_program", spl_token::ID),
                ("system_program", anchor_lang::system_program::ID),
            ],
            ix: ix::add_collateral(&admin, &exchange, &mint, true, usdc_collateral_params()),
        },
        IxFixture {
            name: "propose_collateral_params",
            args: vec![("params", legacy.to_json())],
            accounts: vec![
                ("admin", admin),
                ("exchange", exchange),
                ("collateral", collateral),
            ],
            ix: ix::propose_collateral_params(&admin, &exchange, &mint, legacy),
        },
        IxFixture {
            name: "apply_collateral_params",
            args: vec![],
            accounts: vec![("exchange", exchange), ("collateral", collateral)],
            ix: ix::apply_collateral_params(&exchange, &mint),
        },
        IxFixture {
            name: "set_deposit_cap",
            args: vec![("deposit_cap_native", u64::MAX.to_json())],
            accounts: vec![
                ("admin", admin),
                ("exchange", exchange),
                ("collateral", collateral),
            ],
            ix: ix::set_deposit_cap(&admin, &exchange, &mint, u64::MAX),
        },
    ]
}

/// The exchange, underlying and series of the options fixtures.
fn option_series() -> (Pubkey, Pubkey, SeriesTerms, Pubkey) {
    let exchange = key(20);
    let underlying = pda::underlying(&exchange, 3).0;
    let terms = SeriesTerms {
        is_call: true,
        strike_e12: ABOVE_2_53,
        expiry_ts: 1_800_000_000,
        contract_size_e6: 100_000,
        lot_size_contracts: 5,
    };
    (
        exchange,
        underlying,
        terms,
        pda::series(&underlying, &terms).0,
    )
}

fn series() -> Vec<IxFixture> {
    let (exchange, underlying, terms, series) = option_series();
    let admin = key(3);
    let oracle = key(21);
    let event_authority = pda::event_authority();
    let program = options_margin::ID;
    let mut params = sol_underlying_params();
    params.rate_e6 = -150_000;
    let oracle_accounts = || {
        vec![
            ("underlying", underlying),
            ("series", series),
            ("oracle", oracle),
            ("event_authority", event_authority),
            ("program", program),
        ]
    };
    vec![
        IxFixture {
            name: "add_underlying",
            args: vec![("params", params.to_json())],
            accounts: vec![
                ("admin", admin),
                ("exchange", exchange),
                ("underlying", underlying),
                ("system_program", anchor_lang::system_program::ID),
            ],
            ix: ix::add_underlying(&admin, &exchange, 3, params),
        },
        IxFixture {
            name: "create_series",
            args: vec![("terms", terms.to_json())],
            accounts: vec![
                ("admin", admin),
                ("exchange", exchange),
                ("underlying", underlying),
                ("series", series),
                ("system_program", anchor_lang::system_program::ID),
            ],
            ix: ix::create_series(&admin, &exchange, &underlying, terms),
        },
        IxFixture {
            name: "set_volatility",
            args: vec![("vol_e6", u32::MAX.to_json())],
            accounts: vec![
                ("vol_authority", key(2)),
                ("exchange", exchange),
                ("underlying", underlying),
                ("series", series),
                ("event_authority", event_authority),
                ("program", program),
            ],
            ix: ix::set_volatility(&key(2), &exchange, &underlying, &series, u32::MAX),
        },
        IxFixture {
            name: "refresh_series_risk",
            args: vec![],
            accounts: oracle_accounts(),
            ix: ix::refresh_series_risk(&underlying, &series, &oracle),
        },
        IxFixture {
            name: "settle_series",
            args: vec![],
            accounts: oracle_accounts(),
            ix: ix::settle_series(&underlying, &series, &oracle),
        },
    ]
}

fn trading() -> Vec<IxFixture> {
    let (exchange, _, _, series) = option_series();
    let event_authority = pda::event_authority();
    let program = options_margin::ID;
    let (owner_a, owner_b) = (key(22), key(23));
    let (account_a, account_b) = (key(24), key(25));
    let health_a = readonly(&[key(26), key(27)]);
    let health_b = readonly(&[key(28), key(29), key(30)]);
    let trade_args = TradeArgs {
        size_lots: -7,
        premium_per_contract_native: ABOVE_2_53,
        health_accounts_a: health_a.len() as u8,
    };
    let trade = TradeAccounts {
        owner_a,
        owner_b,
        exchange,
        account_a,
        account_b,
        series,
    };
    vec![
        IxFixture {
            name: "trade",
            args: vec![("args", trade_args.to_json())],
            accounts: vec![
                ("owner_a", owner_a),
                ("owner_b", owner_b),
                ("exchange", exchange),
                ("account_a", account_a),
                ("account_b", account_b),
                ("series", series),
                ("loss_shard_a", pda::loss_shard_of(&exchange, &account_a)),
                ("loss_shard_b", pda::loss_shard_of(&exchange, &account_b)),
                ("event_authority", event_authority),
                ("program", program),
            ],
            ix: ix::trade(&trade, -7, ABOVE_2_53, &health_a, &health_b),
        },
        IxFixture {
            name: "settle_positions",
            args: vec![],
            accounts: vec![
                ("exchange", exchange),
                ("margin_account", account_a),
                ("series", series),
                ("loss_shard", pda::loss_shard_of(&exchange, &account_a)),
                ("event_authority", event_authority),
                ("program", program),
            ],
            ix: ix::settle_positions(&exchange, &account_a, &series),
        },
    ]
}

fn liquidation() -> Vec<IxFixture> {
    let exchange = key(40);
    let (liquidator, liquidatee, liquidator_account) = (key(41), key(42), key(43));
    let usdc = key(44);
    let settlement_collateral = pda::collateral(&exchange, &usdc).0;
    let event_authority = pda::event_authority();
    let program = options_margin::ID;
    let args = LiquidateArgs {
        max_quantity: u64::MAX,
        min_fee_native: ABOVE_2_53,
        health_accounts_liquidatee: 2,
    };
    let health_liquidatee = readonly(&[key(45), key(46)]);
    let health_liquidator = readonly(&[key(47)]);
    let depositor_token = key(48);
    let swept = [key(49), key(50)];
    vec![
        IxFixture {
            name: "partial_liquidate",
            args: vec![("args", args.to_json())],
            accounts: vec![
                ("liquidator", liquidator),
                ("exchange", exchange),
                ("liquidatee", liquidatee),
                ("liquidator_account", liquidator_account),
                ("event_authority", event_authority),
                ("program", program),
            ],
            ix: ix::partial_liquidate(
                &liquidator,
                &exchange,
                &liquidatee,
                &liquidator_account,
                args,
                &health_liquidatee,
                &health_liquidator,
            ),
        },
        IxFixture {
            name: "resolve_bankruptcy",
            args: vec![],
            accounts: vec![
                ("exchange", exchange),
                ("margin_account", liquidatee),
                ("settlement_collateral", settlement_collateral),
                ("event_authority", event_authority),
                ("program", program),
            ],
            ix: ix::resolve_bankruptcy(&exchange, &liquidatee, &usdc),
        },
        IxFixture {
            name: "deposit_insurance",
            args: vec![("amount_native", ABOVE_2_53.to_json())],
            accounts: vec![
                ("depositor", liquidator),
                ("exchange", exchange),
                ("collateral", settlement_collateral),
                ("mint", usdc),
                ("vault", pda::vault(&exchange, &usdc).0),
                ("depositor_token", depositor_token),
                ("token_program", spl_token::ID),
                ("event_authority", event_authority),
                ("program", program),
            ],
            ix: ix::deposit_insurance(&liquidator, &exchange, &usdc, &depositor_token, ABOVE_2_53),
        },
        IxFixture {
            name: "sweep_insurance",
            args: vec![],
            accounts: vec![
                ("exchange", exchange),
                ("settlement_collateral", settlement_collateral),
                ("event_authority", event_authority),
                ("program", program),
            ],
            ix: ix::sweep_insurance(&exchange, &usdc, &swept),
        },
        IxFixture {
            name: "book_socialized_loss",
            args: vec![],
            accounts: vec![
                ("exchange", exchange),
                ("margin_account", liquidatee),
                ("settlement_collateral", settlement_collateral),
                ("loss_shard", pda::loss_shard_of(&exchange, &liquidatee)),
            ],
            ix: ix::book_socialized_loss(&exchange, &liquidatee, &usdc),
        },
    ]
}

fn margin() -> Vec<IxFixture> {
    let owner = key(60);
    let exchange = key(61);
    let mint = key(62);
    let token = key(63);
    // 0x0201: the two bytes of the `arg` seed show its endianness.
    let index = 513u16;
    let margin_account = pda::margin_account(&exchange, &owner, index).0;
    let transfer = TransferAccounts::new(owner, exchange, margin_account, mint, token);
    let health = readonly(&[key(64), key(65)]);
    let event_authority = pda::event_authority();
    let program = options_margin::ID;
    let collateral = pda::collateral(&exchange, &mint).0;
    let vault = pda::vault(&exchange, &mint).0;
    let loss_shard = pda::loss_shard_of(&exchange, &margin_account);
    vec![
        IxFixture {
            name: "create_margin_account",
            args: vec![("account_index", index.to_json())],
            accounts: vec![
                ("owner", owner),
                ("exchange", exchange),
                ("margin_account", margin_account),
                ("system_program", anchor_lang::system_program::ID),
            ],
            ix: ix::create_margin_account(&owner, &exchange, index),
        },
        IxFixture {
            name: "deposit",
            args: vec![("amount_native", ABOVE_2_53.to_json())],
            accounts: vec![
                ("owner", owner),
                ("exchange", exchange),
                ("margin_account", margin_account),
                ("collateral", collateral),
                ("mint", mint),
                ("vault", vault),
                ("loss_shard", loss_shard),
                ("owner_token", token),
                ("token_program", spl_token::ID),
                ("event_authority", event_authority),
                ("program", program),
            ],
            ix: ix::deposit(&transfer, ABOVE_2_53),
        },
        IxFixture {
            name: "withdraw",
            args: vec![("amount_native", (u64::MAX - 1).to_json())],
            accounts: vec![
                ("owner", owner),
                ("exchange", exchange),
                ("margin_account", margin_account),
                ("collateral", collateral),
                ("mint", mint),
                ("vault", vault),
                ("vault_authority", pda::vault_authority(&exchange).0),
                ("loss_shard", loss_shard),
                ("destination", token),
                ("token_program", spl_token::ID),
                ("event_authority", event_authority),
                ("program", program),
            ],
            ix: ix::withdraw(&transfer, u64::MAX - 1, &health),
        },
        IxFixture {
            name: "close_margin_account",
            args: vec![],
            accounts: vec![
                ("owner", owner),
                ("rent_receiver", key(66)),
                ("margin_account", margin_account),
            ],
            ix: ix::close_margin_account(&owner, &margin_account, &key(66)),
        },
    ]
}
