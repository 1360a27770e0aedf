// Deploy script run by `anchor migrate` after `anchor deploy`.
//
// It initialises the exchange (the deployer becomes admin) and registers the
// settlement collateral first, then volatile collateral, mirroring the order
// the program enforces. Feed ids and mints below are Solana mainnet values;
// change them for other clusters.
import * as anchor from "@anchor-lang/core";

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
    tiers: [
      { belowRatioBps: 10_500, maxFractionBps: 1_000 },
      { belowRatioBps: 10_200, maxFractionBps: 2_500 },
      { belowRatioBps: 10_000, maxFractionBps: 10_000 },
    ],
    targetRatioBps: 11_000,
    gracePeriodSecs: 3_600,
    feeFlatNative: new anchor.BN(1_000_000),
    feeRateBps: 100,
    insuranceFeeShareBps: 2_000,
    maxRiskAgeSecs: 60,
    priceBandBps: 100,
    padding: [0, 0, 0, 0],
    dustNative: new anchor.BN(10_000),
  };
  await program.methods.initializeExchange(creator, risk).rpc();
  console.log(`exchange ${exchange.toBase58()} initialised; admin ${creator.toBase58()}`);
};
