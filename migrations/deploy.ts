// Deploy script run by `anchor migrate` after `anchor deploy`.
//
// It initialises the exchange (the deployer becomes admin and volatility
// authority) with the risk crate's default parameters
// (`risk-defaults.json`, checked against Rust by the suite's
// `layout::the_deploy_scripts_defaults_are_the_risk_crates`), then
// registers the settlement collateral first and volatile collateral after
// it, the order the program enforces. Mints and Pyth feed ids below are
// Solana mainnet values; change them for other clusters.
import * as anchor from "@anchor-lang/core";
import defaults from "./risk-defaults.json";

/** Pyth feed ids (hex, PriceUpdateV2 pull oracle). */
const FEEDS = {
  usdcUsd: "eaa020c61cc479712813461ce153894a96a6c00b21ed0cfc2798d1f9a9e9c94a",
  solUsd: "ef0d8b6fda2ceba41da15d4095d1da392a0d2f8ed0c6c7bc0f4cfac8c280b56d",
};
const USDC_MINT = new anchor.web3.PublicKey("EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v");
const WSOL_MINT = new anchor.web3.PublicKey("So11111111111111111111111111111111111111112");

/** An oracle config: pull feed, 60 s max age, 2% max confidence, valued at price ∓ 1·conf. */
function pullOracle(feedHex: string) {
  return {
    feed: Array.from(Buffer.from(feedHex, "hex")),
    maxAgeSecs: 60,
    maxConfBps: 200,
    confKBps: 10_000,
    kind: 0,
    padding: [0, 0, 0, 0, 0, 0, 0],
  };
}

module.exports = async function (provider: anchor.AnchorProvider) {
  anchor.setProvider(provider);
  const program = anchor.workspace.OptionsMargin;
  const creator = provider.wallet.publicKey;
  const [exchange] = anchor.web3.PublicKey.findProgramAddressSync(
    [Buffer.from("exchange"), creator.toBuffer()],
    program.programId
  );
  const info = await provider.connection.getAccountInfo(exchange);
  if (info !== null) {
    console.log(`exchange ${exchange.toBase58()} already initialised`);
    return;
  }
  const risk = {
    ...defaults,
    feeFlatNative: new anchor.BN(defaults.feeFlatNative),
    dustNative: new anchor.BN(defaults.dustNative),
  };
  await program.methods.initializeExchange(creator, risk).rpc();
  console.log(`exchange ${exchange.toBase58()} initialised; admin ${creator.toBase58()}`);

  // Settlement first (weights 100%), then SOL (80% IM, 90% MM).
  const collaterals = [
    { mint: USDC_MINT, settlement: true, feed: FEEDS.usdcUsd, init: 10_000, maint: 10_000 },
    { mint: WSOL_MINT, settlement: false, feed: FEEDS.solUsd, init: 8_000, maint: 9_000 },
  ];
  for (const c of collaterals) {
    const params = {
      oracle: pullOracle(c.feed),
      initWeightBps: c.init,
      maintWeightBps: c.maint,
      depositCapNative: new anchor.BN("1000000000000000"),
    };
    await program.methods
      .addCollateral(c.settlement, params)
      .accounts({ admin: creator, exchange, mint: c.mint })
      .rpc();
    console.log(`collateral ${c.mint.toBase58()} registered`);
  }
};
