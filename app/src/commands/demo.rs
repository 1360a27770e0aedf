//! `demo`: a whole session on a fresh embedded chain, each step an
//! invocation of this CLI's own entry point against one ledger directory
//! (as a person would type them): an exchange from the example file,
//! a writer of puts and a market maker, the writer's health table, then a
//! crash in 5% steps with a liquidator calling `liquidate` whenever the
//! writer is in a tier.

use std::path::{Path, PathBuf};

use options_margin_client::error::{ClientError, ClientResult};
use serde_json::Value;

use crate::Output;

/// The committed example exchange.
pub const EXAMPLE_CONFIG: &str = include_str!("../../exchange.example.toml");

/// A CLI session over one ledger directory.
pub struct Session {
    pub dir: PathBuf,
    pub transcript: String,
}

impl Session {
    /// A session in `dir` (created).
    pub fn new(dir: &Path) -> ClientResult<Self> {
        std::fs::create_dir_all(dir)
            .map_err(|e| ClientError::Input(format!("{}: {e}", dir.display())))?;
        Ok(Self {
            dir: dir.to_path_buf(),
            transcript: String::new(),
        })
    }

    pub fn ledger(&self) -> PathBuf {
        self.dir.join("ledger")
    }

    pub fn keypair(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{name}.json"))
    }

    /// Runs `options-margin --ledger DIR --keypair NAME.json ARGS…`, recording it.
    pub async fn run(&mut self, signer: &str, args: &[&str]) -> ClientResult<Output> {
        self.run_shown(signer, args, args).await
    }

    /// `run`, showing `shown` as the command line in the transcript.
    async fn run_shown(
        &mut self,
        signer: &str,
        args: &[&str],
        shown: &[&str],
    ) -> ClientResult<Output> {
        let ledger = self.ledger().display().to_string();
        let keypair = self.keypair(signer).display().to_string();
        let mut full = vec!["options-margin", "--ledger", &ledger, "--keypair", &keypair];
        full.extend_from_slice(args);
        let shown = shown
            .join(" ")
            .replace(&format!("{}/", self.dir.display()), "");
        self.transcript.push_str(&format!(
            "$ options-margin --keypair {signer}.json {shown}\n"
        ));
        let out = crate::run(full).await;
        match &out {
            Ok(o) => self
                .transcript
                .push_str(&format!("{}\n\n", o.text.trim_end())),
            Err(e) => self.transcript.push_str(&format!("error: {e}\n\n")),
        }
        out
    }

    /// `run` with `--output json`, the JSON value.
    pub async fn json(&mut self, signer: &str, args: &[&str]) -> ClientResult<Value> {
        let mut a = vec!["--output", "json"];
        a.extend_from_slice(args);
        Ok(self.run_shown(signer, &a, args).await?.json)
    }

    /// `keygen` for `name` (not recorded: it only writes a file).
    pub async fn keygen(&mut self, name: &str) -> ClientResult<String> {
        let path = self.keypair(name).display().to_string();
        let out = crate::run(["options-margin", "keygen", "--outfile", &path]).await?;
        Ok(out.json["pubkey"].as_str().unwrap_or_default().to_owned())
    }
}

pub async fn run() -> ClientResult<Output> {
    let dir = std::env::temp_dir().join(format!("options-margin-demo-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut s = Session::new(&dir)?;
    let result = script(&mut s).await;
    let _ = std::fs::remove_dir_all(&dir);
    result?;
    Ok(Output::new(
        s.transcript.clone(),
        Value::String(s.transcript),
    ))
}

async fn script(s: &mut Session) -> ClientResult<()> {
    let config = s.dir.join("exchange.toml");
    std::fs::write(&config, EXAMPLE_CONFIG).map_err(|e| ClientError::Input(e.to_string()))?;
    let config = config.display().to_string();
    s.transcript.push_str("# An exchange from app/exchange.example.toml, a put writer, a market maker and a liquidator;\n# then SOL falls in 1.5% steps and the liquidator liquidates whenever the writer is in a tier.\n\n");
    let writer = s.keygen("writer").await?;
    let maker = s.keygen("maker").await?;
    let liquidator = s.keygen("liquidator").await?;
    s.keygen("admin").await?;
    s.run("admin", &["exchange", "init", "--config", &config])
        .await?;
    for (who, key, usd) in [
        ("writer", &writer, "1500"),
        ("maker", &maker, "200000"),
        ("liquidator", &liquidator, "100000"),
    ] {
        s.run(
            "admin",
            &["faucet", "--mint", "USDC", "--amount", usd, "--to", key],
        )
        .await?;
        s.run(who, &["account", "create"]).await?;
        s.run(
            who,
            &["account", "deposit", "--mint", "USDC", "--amount", usd],
        )
        .await?;
    }
    let series = s.json("writer", &["series", "list"]).await?;
    let mark = series
        .as_array()
        .and_then(|a| {
            a.iter()
                .find(|x| x["label"].as_str().is_some_and(|l| l.contains("P140")))
        })
        .and_then(|x| x["mark_native"].as_i64())
        .ok_or_else(|| ClientError::Input("no P140 series".into()))?;
    let premium = options_margin_client::amounts::format_decimal(i128::from(mark), 6);
    let maker_kp = s.keypair("maker").display().to_string();
    let writer_kp = s.keypair("writer").display().to_string();
    s.run(
        "writer",
        &[
            "trade",
            "--series",
            "P140",
            "--contracts",
            "70",
            "--premium",
            &premium,
            "--buyer",
            &maker_kp,
            "--seller",
            &writer_kp,
        ],
    )
    .await?;
    s.run("writer", &["account", "show"]).await?;
    let writer_margin = s
        .json("writer", &["account", "list", "--owner", &writer])
        .await?[0]["margin_account"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    // SOL from $150 in 1.5% steps, ten minutes apart (soft tiers get a chance).
    let mut price_e8: u64 = 150 * 100_000_000;
    for _ in 0..16 {
        price_e8 = price_e8 * 985 / 1_000;
        let price = options_margin_client::amounts::format_decimal(i128::from(price_e8), 8);
        s.run("admin", &["warp", "--secs", "600"]).await?;
        s.run(
            "admin",
            &["oracle", "publish", "--feed", "SOL", "--price", &price],
        )
        .await?;
        s.run("liquidator", &["series", "refresh"]).await?;
        // Liquidate while the writer is in a tier and the program accepts a call
        // (a soft call's grace period, or a restored ratio, ends it).
        let mut liquidated = false;
        for _ in 0..8 {
            let list = s
                .json("liquidator", &["account", "list", "--owner", &writer])
                .await?;
            if list[0]["ratio_bps"].as_u64().unwrap_or(u64::MAX) >= 10_500 {
                break;
            }
            if s.run("liquidator", &["liquidate", &writer_margin])
                .await
                .is_err()
            {
                break;
            }
            liquidated = true;
        }
        if liquidated {
            s.run("writer", &["account", "show"]).await?;
        }
    }
    Ok(())
}
