// Runs migrations/deploy.ts (compiled beside this file by `tsc -p ts`) the
// way `anchor migrate` does, with a provider that records what it would
// send instead of sending it, and compares that with the instructions the
// Rust SDK builds for what the script's comment promises (the suite also
// sends those on its bench). `anchor.workspace.OptionsMargin` is served the
// committed IDL through an Anchor.toml in a temporary directory.

import * as fs from "fs";
import * as os from "os";
import * as path from "path";

import { web3 } from "@anchor-lang/core";
import type { AnchorProvider, Provider } from "@anchor-lang/core";

import type { DeployFixture } from "./fixtures";

type Deploy = (provider: AnchorProvider) => Promise<void>;

/** A provider that records every transaction and answers `getAccountInfo` with `existing`. */
function recordingProvider(deployer: web3.PublicKey, existing: web3.AccountInfo<Buffer> | null) {
  const sent: web3.TransactionInstruction[][] = [];
  const connection = {
    getAccountInfo: async (): Promise<web3.AccountInfo<Buffer> | null> => existing,
  } as unknown as web3.Connection;
  const wallet = {
    publicKey: deployer,
    payer: undefined,
    signTransaction: async <T>(tx: T): Promise<T> => tx,
    signAllTransactions: async <T>(txs: T[]): Promise<T[]> => txs,
  };
  const provider: Provider & { wallet: typeof wallet } = {
    connection,
    publicKey: deployer,
    wallet: wallet as unknown as Provider["wallet"] & typeof wallet,
    sendAndConfirm: async (tx: web3.Transaction | web3.VersionedTransaction): Promise<string> => {
      if (!(tx instanceof web3.Transaction)) throw new Error("deploy.ts sent a versioned transaction");
      sent.push(tx.instructions);
      return "dry-run";
    },
  };
  return { provider, sent };
}

async function runDeploy(idlPath: string, provider: Provider): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "om-deploy-"));
  const idl = JSON.parse(fs.readFileSync(idlPath, "utf8")) as { address: string };
  fs.writeFileSync(
    path.join(dir, "Anchor.toml"),
    [
      "[provider]",
      'cluster = "localnet"',
      'wallet = "unused"',
      "",
      "[programs.localnet]",
      `options_margin = { address = "${idl.address}", idl = ${JSON.stringify(path.resolve(idlPath))} }`,
      "",
    ].join("\n"),
  );
  const cwd = process.cwd();
  const log = console.log;
  const said: string[] = [];
  process.chdir(dir);
  console.log = (...args: unknown[]) => said.push(args.map(String).join(" "));
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const deploy = require(path.join(__dirname, "..", "..", "migrations", "deploy.js")) as Deploy;
    await deploy(provider as unknown as AnchorProvider);
  } finally {
    console.log = log;
    process.chdir(cwd);
    fs.rmSync(dir, { recursive: true, force: true });
    for (const line of said) console.log(`    deploy.ts: ${line}`);
  }
}

/**
 * Runs deploy.ts twice: on a fresh cluster (it must send exactly
 * `expected`) and once the exchange exists (it must send nothing). Returns
 * the number of instructions compared.
 */
export async function dryRunDeploy(
  idlPath: string,
  expected: DeployFixture,
  fail: (what: string) => void,
): Promise<number> {
  const deployer = new web3.PublicKey(expected.deployer);
  const fresh = recordingProvider(deployer, null);
  try {
    await runDeploy(idlPath, fresh.provider);
  } catch (e) {
    fail(`deploy.ts failed: ${(e as Error).stack ?? String(e)}`);
    return 0;
  }
  const sent = fresh.sent.flat();
  if (fresh.sent.some((tx) => tx.length !== 1)) fail("deploy.ts: one instruction per transaction expected");
  if (sent.length !== expected.instructions.length) {
    fail(`deploy.ts sent ${sent.length} instructions, the SDK builds ${expected.instructions.length}`);
  }
  expected.instructions.forEach((want, i) => {
    const got = sent[i];
    if (!got) return;
    const what = `deploy.ts instruction ${i}`;
    if (got.programId.toBase58() !== want.program_id)
      fail(`${what}: program ${got.programId.toBase58()}, the SDK ${want.program_id}`);
    const data = got.data.toString("hex");
    if (data !== want.data) fail(`${what}: data ${data}, the SDK ${want.data}`);
    const metas = got.keys.map((k) => ({ pubkey: k.pubkey.toBase58(), signer: k.isSigner, writable: k.isWritable }));
    if (JSON.stringify(metas) !== JSON.stringify(want.metas)) {
      fail(`${what}: accounts ${JSON.stringify(metas)}, the SDK ${JSON.stringify(want.metas)}`);
    }
  });

  const existing: web3.AccountInfo<Buffer> = {
    data: Buffer.alloc(0),
    executable: false,
    lamports: 1,
    owner: web3.SystemProgram.programId,
  };
  const again = recordingProvider(deployer, existing);
  try {
    await runDeploy(idlPath, again.provider);
  } catch (e) {
    fail(`deploy.ts (exchange already there) failed: ${(e as Error).message}`);
  }
  if (again.sent.length !== 0) fail(`deploy.ts sent ${again.sent.length} transactions for an exchange that exists`);
  return sent.length;
}
