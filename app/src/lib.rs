//! The `options-margin` CLI as a library, so tests drive the very entry
//! points the binary runs ([`run`]). Everything goes through the client
//! SDK (`options-margin-client`) over one [`backend::Backend`]: a cluster
//! (`--url`) or the embedded chain (the default; `--ledger DIR` persists
//! it between invocations).

pub mod backend;
pub mod cli;
pub mod commands;
pub mod context;
pub mod fmt;
pub mod keeper;
pub mod profile;
pub mod simulate;

use clap::Parser;
use options_margin_client::error::ClientResult;
use serde_json::Value;

pub use context::Context;

/// What a command reports: a text for people, a JSON value for scripts.
#[derive(Clone, Debug, Default)]
pub struct Output {
    pub text: String,
    pub json: Value,
}

impl Output {
    pub fn new(text: impl Into<String>, json: Value) -> Self {
        Self {
            text: text.into(),
            json,
        }
    }

    /// The output in `format`.
    pub fn render(&self, format: cli::OutputFormat) -> String {
        match format {
            cli::OutputFormat::Text => self.text.clone(),
            cli::OutputFormat::Json => serde_json::to_string_pretty(&self.json).unwrap_or_default(),
        }
    }
}

/// Parses `args` (the first is the program name) and runs the command,
/// saving the embedded ledger afterwards (also after a failed transaction:
/// a refused transaction changed nothing, and what ran before it did).
pub async fn run<I, T>(args: I) -> ClientResult<Output>
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = cli::Cli::try_parse_from(args)
        .map_err(|e| options_margin_client::ClientError::Input(e.to_string()))?;
    run_cli(cli).await
}

/// Runs a parsed command line.
pub async fn run_cli(cli: cli::Cli) -> ClientResult<Output> {
    let command = cli
        .command
        .unwrap_or_else(|| cli::Command::Simulate(cli::SimulateArgs::default()));
    if let cli::Command::Keygen { outfile } = &command {
        return commands::wallet::keygen(outfile);
    }
    if let cli::Command::Address = &command {
        return commands::wallet::address(&cli.global);
    }
    if let cli::Command::Demo = &command {
        // Boxed: the demo runs this entry point itself, step by step.
        return Box::pin(commands::demo::run()).await;
    }
    if let cli::Command::Simulate(args) = &command {
        // Its own embedded chains: no keypair, ledger or network.
        return Box::pin(commands::simulate::run(args)).await;
    }
    let mut ctx = Context::open(&cli.global).await?;
    let progress = progress(&ctx, &command);
    let result = commands::dispatch(&mut ctx, command).await;
    if let Some(p) = progress {
        p.finish_and_clear();
    }
    ctx.client.chain.save().await?;
    result
}

/// A spinner on stderr while a command waits on a cluster (confirmations,
/// scans); none on the embedded chain, in JSON mode, or off a terminal.
fn progress(ctx: &Context, command: &cli::Command) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    if ctx.client.chain.is_local()
        || ctx.global.output == cli::OutputFormat::Json
        || !std::io::stderr().is_terminal()
        || matches!(command, cli::Command::Keeper(_))
    {
        return None;
    }
    let p = indicatif::ProgressBar::new_spinner();
    p.set_message(format!("waiting on {}", ctx.client.chain.describe()));
    p.enable_steady_tick(std::time::Duration::from_millis(120));
    Some(p)
}
