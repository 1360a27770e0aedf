//! The CLI driven through a whole session on the embedded chain, through
//! its own entry points (`options_margin_app::run`, exactly what the binary
//! calls) and then through the binary itself, command after command, with
//! the state kept in a ledger directory between invocations.

use options_margin::health::Valuation;
use options_margin::state::MarginAccount;
use options_margin_app::commands::demo::{Session, EXAMPLE_CONFIG};
use options_margin_client::embedded::EmbeddedChain;
use options_margin_client::health::HealthContext;
use options_margin_client::{ClientError, PriceAccounts};
use serde_json::Value;

/// unit: quote native. One dollar.
const USD: i64 = 1_000_000;

/// The example exchange plus a put expiring in one day, for settlement.
fn config() -> String {
    format!("{EXAMPLE_CONFIG}\n[[series]]\nunderlying = \"SOL\"\nkind = \"put\"\nstrike = \"145\"\nexpiry_days = 1\nvol = \"0.75\"\n")
}

/// Reopens the ledger and computes `margin`'s health with the SDK (the
/// program's own code), independently of the CLI.
async fn health(s: &Session, margin: &str) -> options_margin::health::MarginSummary {
    let chain = EmbeddedChain::open(&s.ledger())
        .await
        .expect("ledger opens");
    let ctx = HealthContext::fetch(&chain, &PriceAccounts::default(), &margin.parse().unwrap())
        .await
        .expect("health context");
    ctx.summary(Valuation::Spot).expect("summary")
}

fn program_error(r: Result<options_margin_app::Output, ClientError>) -> &'static str {
    match r {
        Err(e) => e
            .program_error_name()
            .unwrap_or_else(|| panic!("not a program error: {e}")),
        Ok(o) => panic!("expected a refusal, got {}", o.text),
    }
}

fn input_error(r: Result<options_margin_app::Output, ClientError>) -> String {
    match r {
        Err(ClientError::Input(m)) => m,
        Err(e) => panic!("expected an input error, got {e}"),
        Ok(o) => panic!("expected an input error, got {}", o.text),
    }
}

#[tokio::test]
async fn a_whole_session_through_the_cli_entry_points() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Session::new(dir.path()).unwrap();
    let cfg = dir.path().join("exchange.toml");
    std::fs::write(&cfg, config()).unwrap();
    let cfg = cfg.display().to_string();
    let writer = s.keygen("writer").await.unwrap();
    let maker = s.keygen("maker").await.unwrap();
    s.keygen("admin").await.unwrap();

    // A missing keypair, before anything exists.
    let e = input_error(s.run("nobody", &["account", "create"]).await);
    assert!(e.contains("nobody.json not found"), "{e}");

    let init = s
        .json("admin", &["exchange", "init", "--config", &cfg])
        .await
        .unwrap();
    assert!(init["exchange"].as_str().is_some());
    for (who, key, usd) in [("writer", &writer, "2000"), ("maker", &maker, "100000")] {
        s.run(
            "admin",
            &["faucet", "--mint", "USDC", "--amount", usd, "--to", key],
        )
        .await
        .unwrap();
        s.run(who, &["account", "create"]).await.unwrap();
    }
    // Bad input changes nothing: too many decimals, a malformed key.
    let e = input_error(
        s.run(
            "writer",
            &[
                "account",
                "deposit",
                "--mint",
                "USDC",
                "--amount",
                "1.0000001",
            ],
        )
        .await,
    );
    assert!(e.contains("at most 6 decimals"), "{e}");
    let e = input_error(s.run("writer", &["account", "show", "not-a-key"]).await);
    assert!(e.contains("not a public key"), "{e}");
    s.run(
        "writer",
        &["account", "deposit", "--mint", "USDC", "--amount", "2000"],
    )
    .await
    .unwrap();
    s.run(
        "maker",
        &["account", "deposit", "--mint", "USDC", "--amount", "100000"],
    )
    .await
    .unwrap();

    let series = s.json("writer", &["series", "list"]).await.unwrap();
    let p140 = series
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["label"].as_str().unwrap().contains("P140"))
        .unwrap();
    let mark = p140["mark_native"].as_i64().unwrap();
    let premium = options_margin_client::amounts::format_decimal(i128::from(mark), 6);
    let (maker_kp, writer_kp) = (
        s.keypair("maker").display().to_string(),
        s.keypair("writer").display().to_string(),
    );
    let trade = [
        "trade",
        "--series",
        "P140",
        "--contracts",
        "90",
        "--premium",
        &premium,
        "--buyer",
        &maker_kp,
        "--seller",
        &writer_kp,
    ];
    s.run("writer", &trade).await.unwrap();

    // The health table, asserted against the program's code and the risk crate.
    let show = s.json("writer", &["account", "show"]).await.unwrap();
    let margin = show["margin_account"].as_str().unwrap().to_owned();
    let independent = health(&s, &margin).await;
    let m = &show["margin"];
    assert_eq!(
        m["equity_native"].as_i64().unwrap(),
        independent.equity_native
    );
    assert_eq!(
        m["maintenance_margin_native"].as_i64().unwrap(),
        independent.maintenance_margin_native
    );
    assert_eq!(
        m["initial_margin_native"].as_i64().unwrap(),
        independent.initial_margin_native
    );
    assert_eq!(
        m["ratio_bps"].as_u64().unwrap(),
        options_margin_risk::margin::ratio_bps(
            i128::from(independent.equity_native),
            i128::from(independent.maintenance_margin_native)
        )
        .unwrap()
    );
    // Sold at the mark: equity is the deposit less one native unit per short contract (marked at mark + 1).
    assert_eq!(independent.equity_native, 2_000 * USD - 90);
    let loss = &show["distance"]["equity_to_tier"][0]["equity_loss_native"];
    let params = options_margin::state::RiskParams::defaults();
    let t1 = i128::from(params.tiers[0].below_ratio_bps);
    let expected = (i128::from(independent.equity_native) + 1
        - (t1 * i128::from(independent.maintenance_margin_native) + 9_999) / 10_000)
        .max(0);
    assert_eq!(loss.as_i64().unwrap() as i128, expected);
    let text = s.run("writer", &["account", "show"]).await.unwrap().text;
    for needle in [
        "PUT 140",
        "equity",
        "maintenance margin",
        "Distance to each tier",
        "down to",
    ] {
        assert!(text.contains(needle), "{needle} in\n{text}");
    }

    // A withdrawal below initial margin is refused with the program's error, and nothing changes.
    let before = health(&s, &margin).await;
    let r = s
        .run(
            "writer",
            &["account", "withdraw", "--mint", "USDC", "--amount", "1900"],
        )
        .await;
    assert_eq!(program_error(r), "BelowInitialMargin");
    assert_eq!(
        health(&s, &margin).await.equity_native,
        before.equity_native
    );
    s.run(
        "writer",
        &["account", "withdraw", "--mint", "USDC", "--amount", "100"],
    )
    .await
    .unwrap();
    assert_eq!(
        health(&s, &margin).await.equity_native,
        before.equity_native - 100 * USD
    );

    // A price drop puts the writer in a tier; `liquidate` takes what the program plans.
    s.keygen("liquidator").await.unwrap();
    let liquidator = s.keypair("liquidator");
    let liq_key =
        solana_signer::Signer::pubkey(&solana_keypair::read_keypair_file(&liquidator).unwrap())
            .to_string();
    s.run(
        "admin",
        &[
            "faucet", "--mint", "USDC", "--amount", "50000", "--to", &liq_key,
        ],
    )
    .await
    .unwrap();
    s.run("liquidator", &["account", "create"]).await.unwrap();
    s.run(
        "liquidator",
        &["account", "deposit", "--mint", "USDC", "--amount", "50000"],
    )
    .await
    .unwrap();
    let r = s.run("liquidator", &["liquidate", &margin]).await;
    assert_eq!(program_error(r), "AccountHealthy");
    s.run("admin", &["warp", "--secs", "60"]).await.unwrap();
    s.run(
        "admin",
        &["oracle", "publish", "--feed", "SOL", "--price", "139"],
    )
    .await
    .unwrap();
    s.run("liquidator", &["series", "refresh"]).await.unwrap();
    let before = health(&s, &margin).await;
    assert!(before.ratio_bps < 10_500, "in a tier: {}", before.ratio_bps);
    let e = s.json("liquidator", &["liquidate", &margin]).await.unwrap();
    assert!(e["tier"].as_u64().unwrap() >= 1);
    assert_eq!(e["ratio_before_bps"].as_u64().unwrap(), before.ratio_bps);
    let after = health(&s, &margin).await;
    assert_eq!(e["ratio_after_bps"].as_u64().unwrap(), after.ratio_bps);
    assert!(after.ratio_bps > before.ratio_bps);
    let list: Value = s.json("liquidator", &["account", "list"]).await.unwrap();
    assert_eq!(list.as_array().unwrap().len(), 3);

    // Settlement: at the one-day put's expiry, the update that straddles it.
    let series = s.json("writer", &["series", "list"]).await.unwrap();
    let p145 = series
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["label"].as_str().unwrap().contains("P145"))
        .unwrap()
        .clone();
    let chain = EmbeddedChain::open(&s.ledger()).await.unwrap();
    let stored: options_margin::state::Series = chain
        .load_zc(&p145["address"].as_str().unwrap().parse().unwrap())
        .await;
    let now = chain.now().await;
    drop(chain);
    s.run(
        "admin",
        &["warp", "--secs", &(stored.expiry_ts - now).to_string()],
    )
    .await
    .unwrap();
    s.run(
        "admin",
        &["oracle", "publish", "--feed", "SOL", "--price", "131"],
    )
    .await
    .unwrap();
    let settled = s
        .json("admin", &["settle", p145["label"].as_str().unwrap()])
        .await
        .unwrap();
    assert_eq!(
        settled["settlement_price_e12"].as_u64().unwrap(),
        131_000_000_000_000
    );
    let r = s
        .run("admin", &["settle", p145["label"].as_str().unwrap()])
        .await;
    assert_eq!(program_error(r), "SeriesSettled");
    let account: MarginAccount = EmbeddedChain::open(&s.ledger())
        .await
        .unwrap()
        .load_zc(&margin.parse().unwrap())
        .await;
    assert!(account.active_positions().count() <= 1);
    println!("{}", s.transcript);
}

/// The same kind of session through the binary: separate processes, one ledger directory.
#[test]
fn the_binary_keeps_state_in_the_ledger_across_invocations() {
    let dir = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_options-margin");
    let ledger = dir.path().join("ledger").display().to_string();
    let run = |keypair: &str, args: &[&str]| -> Value {
        let kp = dir
            .path()
            .join(format!("{keypair}.json"))
            .display()
            .to_string();
        let out = std::process::Command::new(bin)
            .args(["--ledger", &ledger, "--keypair", &kp, "--output", "json"])
            .args(args)
            .output()
            .expect("binary runs");
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        // Natively the program's `msg!` lines reach stdout before the result.
        let json = &stdout[stdout.find(['{', '[']).expect("json output")..];
        serde_json::from_str(json).unwrap_or_else(|e| panic!("{args:?}: {e}: {stdout}"))
    };
    for k in ["admin", "trader"] {
        let path = dir.path().join(format!("{k}.json")).display().to_string();
        let out = std::process::Command::new(bin)
            .args(["keygen", "--outfile", &path])
            .output()
            .unwrap();
        assert!(out.status.success());
    }
    let cfg = dir.path().join("exchange.toml");
    std::fs::write(&cfg, EXAMPLE_CONFIG).unwrap();
    let init = run(
        "admin",
        &["exchange", "init", "--config", &cfg.display().to_string()],
    );
    let trader = solana_signer::Signer::pubkey(
        &solana_keypair::read_keypair_file(dir.path().join("trader.json")).unwrap(),
    )
    .to_string();
    run(
        "admin",
        &[
            "faucet", "--mint", "USDC", "--amount", "750.5", "--to", &trader,
        ],
    );
    run("trader", &["account", "create"]);
    run(
        "trader",
        &["account", "deposit", "--mint", "USDC", "--amount", "750.5"],
    );
    let show = run("trader", &["account", "show"]);
    assert_eq!(
        show["margin"]["equity_native"].as_i64().unwrap(),
        750_500_000
    );
    assert_eq!(show["exchange"], init["exchange"]);
    let shown = run("admin", &["exchange", "show"]);
    assert_eq!(
        shown["collaterals"][0]["total_balance_native"]
            .as_i64()
            .unwrap(),
        750_500_000
    );
    // A refused command exits non-zero with the program's own message.
    let kp = dir.path().join("trader.json").display().to_string();
    let out = std::process::Command::new(bin)
        .args([
            "--ledger",
            &ledger,
            "--keypair",
            &kp,
            "account",
            "withdraw",
            "--mint",
            "USDC",
            "--amount",
            "800",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("InsufficientBalance (60"), "{stderr}");
}
