//! `simulate`: the crash simulator (see [`crate::simulate`]). Needs no
//! keypair, ledger or network: every regime runs on its own embedded chain.

use std::path::Path;

use options_margin_client::error::{ClientError, ClientResult};
use serde_json::json;

use crate::cli::SimulateArgs;
use crate::simulate::metrics::Figures;
use crate::simulate::report::{Report, Tail};
use crate::simulate::scenario::Scenario;
use crate::simulate::{self, Regime, SimConfig};
use crate::Output;

/// SOL's decimals in the simulated exchange.
const SOL_DECIMALS: u8 = 9;

/// Runs the simulation `args` describe; writes the report into `--out`.
pub async fn run(args: &SimulateArgs) -> ClientResult<Output> {
    let regimes = args
        .regimes
        .split(',')
        .map(|r| Regime::parse(r.trim()))
        .collect::<ClientResult<Vec<_>>>()?;
    let cfg = SimConfig {
        accounts: args.accounts,
        seed: args.seed,
        scenario: Scenario::resolve(&args.scenario)?,
        regimes,
        risk_overrides: args
            .risk
            .iter()
            .map(|kv| {
                let (k, v) = kv.split_once('=').ok_or_else(|| {
                    ClientError::Input(format!("--risk {kv:?}: expected FIELD=VALUE"))
                })?;
                let v = v.trim().parse::<i64>().map_err(|_| {
                    ClientError::Input(format!("--risk {kv:?}: the value is an integer"))
                })?;
                Ok((k.trim().to_owned(), v))
            })
            .collect::<ClientResult<Vec<_>>>()?,
        impact_bps_per_musd: args.impact,
    };
    let seeds = args.seeds.max(1);
    let bar = progress(simulate::work(&cfg) * seeds);
    // Natively the program's `msg!` lines go to stdout: silence them while it runs.
    let quiet = Quiet::stdout();
    let tick = || bar.inc(1);
    let clock = std::time::Instant::now();
    let mut first = None;
    let mut all: Vec<Vec<Figures>> = Vec::new();
    let mut wall = Vec::new();
    for k in 0..seeds {
        let c = SimConfig {
            seed: cfg.seed + k,
            ..cfg.clone()
        };
        bar.set_message(format!("seed {}", c.seed));
        let (path, runs) = simulate::run(&c, &tick).await?;
        wall.extend(
            runs.iter()
                .map(|r| (r.regime, r.wall_secs, r.ledger.transactions)),
        );
        let last = path.last().map_or(0, |p| p.price_e8);
        let figures: Vec<Figures> = runs
            .iter()
            .map(|r| Figures::of(r, SOL_DECIMALS, last))
            .collect();
        if first.is_none() {
            first = Some((path, figures.clone()));
        }
        all.push(figures);
    }
    bar.finish_and_clear();
    drop(quiet);
    let (path, regimes) = first.expect("at least one seed");
    let tails = if seeds > 1 {
        cfg.regimes
            .iter()
            .enumerate()
            .map(|(i, r)| Tail::of(r.name(), &all.iter().map(|f| &f[i]).collect::<Vec<_>>()))
            .collect()
    } else {
        Vec::new()
    };
    let report = Report {
        scenario: cfg.scenario.clone(),
        seed: cfg.seed,
        accounts: cfg.accounts as u64,
        path,
        regimes,
        tails,
    };
    let secs = clock.elapsed().as_secs_f64();
    let mut timing = format!(
        "Wall time {secs:.0} s for {} accounts × {} regimes × {seeds} seeds (debug builds are \
         several times slower than release):\n\n",
        cfg.accounts,
        cfg.regimes.len()
    );
    for (regime, (setup, steps), txs) in &wall {
        timing.push_str(&format!(
            "- {}: setup {setup:.1} s, path {steps:.1} s, {txs} transactions on the path ({:.0}/s)\n",
            regime.name(),
            *txs as f64 / steps.max(1e-9)
        ));
    }
    write(&args.out, &report, &timing)?;
    let text = format!(
        "{}\n{timing}\nreport: {}/report.md, report.json, price.svg, ratios.svg, cumulative.svg, sample.svg",
        report.table(),
        args.out.display()
    );
    Ok(Output::new(
        text,
        json!({ "out": args.out.display().to_string(), "report": serde_json::to_value(&report).unwrap_or_default() }),
    ))
}

fn write(dir: &Path, report: &Report, timing: &str) -> ClientResult<()> {
    let io = |e: std::io::Error| ClientError::Input(format!("{}: {e}", dir.display()));
    std::fs::create_dir_all(dir).map_err(io)?;
    std::fs::write(dir.join("report.json"), report.json()).map_err(io)?;
    std::fs::write(dir.join("report.md"), report.markdown(timing)).map_err(io)?;
    simulate::plots::write(dir, report)
}

fn progress(len: u64) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{spinner} {msg} [{elapsed_precise}] {wide_bar} {pos}/{len} (setup accounts + price steps) ETA {eta}",
    ) {
        bar.set_style(style);
    }
    bar
}

/// Standard output sent to /dev/null until dropped (Unix; a no-op elsewhere).
struct Quiet {
    #[cfg(unix)]
    saved: Option<i32>,
}

impl Quiet {
    fn stdout() -> Self {
        #[cfg(unix)]
        {
            use std::io::Write;
            let _ = std::io::stdout().flush();
            // SAFETY: plain descriptor calls; every result is checked before use.
            let saved = unsafe {
                let saved = libc::dup(1);
                let null = libc::open(c"/dev/null".as_ptr(), libc::O_WRONLY);
                if saved >= 0 && null >= 0 && libc::dup2(null, 1) >= 0 {
                    libc::close(null);
                    Some(saved)
                } else {
                    None
                }
            };
            Self { saved }
        }
        #[cfg(not(unix))]
        Self {}
    }
}

impl Drop for Quiet {
    fn drop(&mut self) {
        #[cfg(unix)]
        if let Some(fd) = self.saved.take() {
            use std::io::Write;
            let _ = std::io::stdout().flush();
            // SAFETY: `fd` is the descriptor `dup` returned above.
            unsafe {
                libc::dup2(fd, 1);
                libc::close(fd);
            }
        }
    }
}
