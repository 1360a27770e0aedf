//! The command line (clap): global options as the Solana CLI's users know
//! them, then one subcommand per task.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "options-margin",
    version,
    about = "Options margin on Solana: traders, admins, liquidators"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    /// [default: simulate]
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Clone, Debug, Args)]
pub struct Global {
    /// Cluster: mainnet-beta, devnet, testnet, localhost (or m/d/t/l), or an RPC URL.
    /// Without it, the embedded chain (in process; persisted with --ledger).
    #[arg(short = 'u', long, global = true)]
    pub url: Option<String>,
    /// The embedded chain, persisted in this directory between commands.
    #[arg(long, global = true, conflicts_with = "url")]
    pub ledger: Option<PathBuf>,
    /// The signer and fee payer [default: ~/.config/solana/id.json].
    #[arg(short = 'k', long, global = true)]
    pub keypair: Option<PathBuf>,
    /// Commitment for reads and confirmations.
    #[arg(long, global = true, value_enum, default_value_t = Commitment::Confirmed)]
    pub commitment: Commitment,
    /// Priority fee, unit: micro-lamports per compute unit.
    #[arg(long, global = true, default_value_t = 0)]
    pub compute_unit_price: u64,
    /// The exchange [default: the one in the profile].
    #[arg(long, global = true, env = "OPTIONS_MARGIN_EXCHANGE")]
    pub exchange: Option<String>,
    /// Where `exchange init` records addresses and symbols
    /// [default: DIR/profile.json with --ledger, else ./options-margin-profile.json].
    #[arg(long, global = true)]
    pub profile: Option<PathBuf>,
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Commitment {
    Processed,
    Confirmed,
    Finalized,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create or inspect an exchange (admin).
    #[command(subcommand)]
    Exchange(ExchangeCommand),
    /// Margin accounts (traders).
    #[command(subcommand)]
    Account(AccountCommand),
    /// A bilateral block trade; both owners sign.
    Trade(TradeArgs),
    /// Option series.
    #[command(subcommand)]
    Series(SeriesCommand),
    /// Settle an expired series at the Pyth update that straddles its expiry.
    Settle {
        /// Series address or label (e.g. P140, C170@2024-08-15).
        series: String,
    },
    /// One `partial_liquidate` call, with the program's guards.
    Liquidate(LiquidateArgs),
    /// Prices on a local ledger (never on a cluster).
    #[command(subcommand)]
    Oracle(OracleCommand),
    /// Mint tokens of a mint the keypair is the authority of (local ledgers, test mints).
    Faucet {
        /// Collateral symbol or mint address.
        #[arg(long)]
        mint: String,
        /// Whole tokens (decimal).
        #[arg(long)]
        amount: String,
        /// Owner of the receiving associated token account [default: the keypair].
        #[arg(long)]
        to: Option<String>,
    },
    /// SOL for fees: from the embedded chain's faucet, or a devnet airdrop.
    Airdrop {
        /// unit: SOL (decimal).
        amount: String,
        /// [default: the keypair].
        #[arg(long)]
        to: Option<String>,
    },
    /// Move the embedded chain's clock forward (local ledgers only).
    Warp {
        /// unit: seconds.
        #[arg(long)]
        secs: i64,
    },
    /// The keypair's public key.
    Address,
    /// Write a new keypair file.
    Keygen {
        #[arg(long)]
        outfile: PathBuf,
    },
    /// The liquidation bot.
    #[command(subcommand)]
    Keeper(KeeperCommand),
    /// A scripted session on a fresh embedded chain: init, trade, show, crash, liquidate.
    Demo,
    /// The crash simulator: tiered partial against full liquidation on the real program.
    Simulate(SimulateArgs),
}

#[derive(Clone, Debug, Args)]
pub struct SimulateArgs {
    /// Traders in the seeded population (each a named strategy).
    #[arg(long, default_value_t = 40)]
    pub accounts: usize,
    /// Seed of the population and the price path.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// crash, whipsaw, grind, gbm, or a TOML file (see app/scenarios/).
    #[arg(long, default_value = "crash")]
    pub scenario: String,
    /// Runs seeds S, S+1, … S+K−1 and reports the 95th-percentile tails.
    #[arg(long, default_value_t = 1)]
    pub seeds: u64,
    /// Comma-separated: tiered, tiered-v1, full, uncapped.
    #[arg(long, default_value = "tiered,full")]
    pub regimes: String,
    /// Overrides a risk parameter in every regime (after the regime's own):
    /// `--risk fee_rate_max_bps=600`, repeatable (RiskParams field names).
    #[arg(long = "risk", value_name = "FIELD=VALUE")]
    pub risk: Vec<String>,
    /// The cascade model: bps of price per 1M USD of spot the liquidators
    /// trade to hedge the delta they take over (0: off).
    #[arg(long, default_value_t = 0.0)]
    pub impact: f64,
    /// Where report.md, report.json and the plots go.
    #[arg(long, default_value = "simulation")]
    pub out: PathBuf,
}

impl Default for SimulateArgs {
    fn default() -> Self {
        Self {
            accounts: 40,
            seed: 1,
            scenario: "crash".into(),
            seeds: 1,
            regimes: "tiered,full".into(),
            risk: Vec::new(),
            impact: 0.0,
            out: PathBuf::from("simulation"),
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum KeeperCommand {
    /// Scan, price and liquidate, pass after pass, until interrupted (Ctrl-C).
    Run(KeeperArgs),
}

#[derive(Debug, Args)]
pub struct KeeperArgs {
    /// The bot's own margin account index (receives what it takes and the fees).
    #[arg(long, default_value_t = 0)]
    pub index: u16,
    /// USD; calls paying less are not sent.
    #[arg(long, default_value = "0")]
    pub min_fee: String,
    /// unit: seconds between passes.
    #[arg(long, default_value_t = 2)]
    pub interval_secs: u64,
    /// Stop after this many passes [default: run until interrupted].
    #[arg(long)]
    pub passes: Option<u64>,
    /// Calls per account per pass in a closeout.
    #[arg(long, default_value_t = 8)]
    pub max_calls: usize,
}

#[derive(Debug, Subcommand)]
pub enum ExchangeCommand {
    /// Create the exchange, its collaterals, underlyings and series from one TOML file.
    Init {
        #[arg(long)]
        config: PathBuf,
    },
    /// Parameters, collaterals, underlyings, insurance.
    Show,
}

#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Create a margin account of the keypair.
    Create {
        #[arg(long, default_value_t = 0)]
        index: u16,
    },
    /// Deposit from the keypair's associated token account.
    Deposit(TransferArgs),
    /// Withdraw to the keypair's associated token account (initial margin is checked).
    Withdraw(TransferArgs),
    /// The health table of an account.
    Show {
        /// Margin account address [default: the keypair's account --index].
        account: Option<String>,
        #[arg(long, default_value_t = 0)]
        index: u16,
        /// Refresh the account's series first (a transaction anyone may send).
        #[arg(long)]
        refresh: bool,
    },
    /// Every margin account of the exchange (or of one owner), with its ratio.
    List {
        #[arg(long)]
        owner: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct TransferArgs {
    /// Collateral symbol or mint address.
    #[arg(long)]
    pub mint: String,
    /// Whole tokens (decimal; at most the mint's decimals).
    #[arg(long)]
    pub amount: String,
    #[arg(long, default_value_t = 0)]
    pub index: u16,
}

#[derive(Debug, Args)]
pub struct TradeArgs {
    /// Series address or label (P140, C170@2024-08-15).
    #[arg(long)]
    pub series: String,
    /// unit: contracts, whole lots (the buyer goes long).
    #[arg(long)]
    pub contracts: u64,
    /// USD per contract (decimal, at most 6 decimals).
    #[arg(long)]
    pub premium: String,
    /// The buyer's keypair file.
    #[arg(long)]
    pub buyer: PathBuf,
    /// The seller's keypair file.
    #[arg(long)]
    pub seller: PathBuf,
    #[arg(long, default_value_t = 0)]
    pub buyer_index: u16,
    #[arg(long, default_value_t = 0)]
    pub seller_index: u16,
}

#[derive(Debug, Subcommand)]
pub enum SeriesCommand {
    /// Every series of the exchange with its mark, Greeks and open interest.
    List,
    /// Refresh risk vectors (anyone may).
    Refresh {
        /// Series addresses or labels [default: every live series].
        series: Vec<String>,
    },
}

#[derive(Debug, Args)]
pub struct LiquidateArgs {
    /// The margin account to liquidate.
    pub account: String,
    /// The liquidator's own margin account index (receives what is taken and the fee).
    #[arg(long, default_value_t = 0)]
    pub index: u16,
    /// unit: contracts (or collateral native units). Clamped to the plan.
    #[arg(long)]
    pub max_quantity: Option<u64>,
    /// USD; the call fails unless it pays at least this fee.
    #[arg(long, default_value = "0")]
    pub min_fee: String,
}

#[derive(Debug, Subcommand)]
pub enum OracleCommand {
    /// Publish a Pyth PriceUpdateV2 at the feed's push-oracle address (local ledgers only).
    Publish {
        /// Underlying or collateral symbol, or a feed id (hex).
        #[arg(long)]
        feed: String,
        /// USD (decimal, at most 8 decimals).
        #[arg(long)]
        price: String,
        /// USD confidence [default: 0.05% of the price].
        #[arg(long)]
        conf: Option<String>,
    },
}
