//! One module per group of subcommands; [`dispatch`] routes a parsed command.

pub mod account;
pub mod demo;
pub mod exchange;
pub mod keeper;
pub mod liquidate;
pub mod oracle;
pub mod resolve;
pub mod series;
pub mod simulate;
pub mod trade;
pub mod wallet;

use options_margin_client::error::ClientResult;

use crate::cli::{
    AccountCommand, Command, ExchangeCommand, KeeperCommand, OracleCommand, SeriesCommand,
};
use crate::{Context, Output};

pub async fn dispatch(ctx: &mut Context, command: Command) -> ClientResult<Output> {
    match command {
        Command::Exchange(ExchangeCommand::Init { config }) => exchange::init(ctx, &config).await,
        Command::Exchange(ExchangeCommand::Show) => exchange::show(ctx).await,
        Command::Account(AccountCommand::Create { index }) => account::create(ctx, index).await,
        Command::Account(AccountCommand::Deposit(a)) => account::deposit(ctx, &a).await,
        Command::Account(AccountCommand::Withdraw(a)) => account::withdraw(ctx, &a).await,
        Command::Account(AccountCommand::Show {
            account,
            index,
            refresh,
        }) => account::show(ctx, account.as_deref(), index, refresh).await,
        Command::Account(AccountCommand::List { owner }) => {
            account::list(ctx, owner.as_deref()).await
        }
        Command::Trade(a) => trade::trade(ctx, &a).await,
        Command::Series(SeriesCommand::List) => series::list(ctx).await,
        Command::Series(SeriesCommand::Refresh { series }) => series::refresh(ctx, &series).await,
        Command::Settle { series } => series::settle(ctx, &series).await,
        Command::Liquidate(a) => liquidate::liquidate(ctx, &a).await,
        Command::Oracle(OracleCommand::Publish { feed, price, conf }) => {
            oracle::publish(ctx, &feed, &price, conf.as_deref()).await
        }
        Command::Faucet { mint, amount, to } => {
            wallet::faucet(ctx, &mint, &amount, to.as_deref()).await
        }
        Command::Airdrop { amount, to } => wallet::airdrop(ctx, &amount, to.as_deref()).await,
        Command::Warp { secs } => wallet::warp(ctx, secs).await,
        Command::Keeper(KeeperCommand::Run(a)) => keeper::run(ctx, &a).await,
        Command::Keygen { .. } | Command::Address | Command::Demo | Command::Simulate(_) => {
            unreachable!("run_cli handles keygen, address, demo and simulate")
        }
    }
}
