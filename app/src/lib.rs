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
    let command = cli.command.unwrap_or(cli::Command::Demo);
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
    let mut ctx = Context::open(&cli.global).await?;
    let result = commands::dispatch(&mut ctx, command).await;
    ctx.client.chain.save().await?;
    result
}
