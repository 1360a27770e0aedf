// Proves from TypeScript that the committed IDL means what the program and
// the Rust SDK mean, against the fixtures the Rust suite writes
// (tests/tests/cases/typescript_idl):
//
// - every instruction: @anchor-lang/core encodes the fixture's arguments to
//   the SDK's bytes (BorshInstructionCoder, and `program.methods…instruction()`
//   with the IDL's own account resolution), decodes them back, and the
//   account list (order, names, signer and writable flags, fixed addresses,
//   derivable PDAs) is the SDK's;
// - every account type: bytes the program wrote in real transactions decode
//   to the values Rust decodes, every field (BorshAccountsCoder and
//   `program.coder`), and the IDL describes every byte of them;
// - every event: payloads captured from real transactions decode to the
//   values Rust decodes (BorshEventCoder; `emit!` events through the log
//   parser too);
// - migrations/deploy.ts, run against a recording provider, sends exactly the
//   instructions the SDK builds for what its comment says.
//
// Any IDL instruction, account or event without a fixture fails the check,
// so coverage cannot shrink silently.
//
// Usage: node dist/ts/src/check-idl.js IDL.json FIXTURES.json

import * as fs from "fs";

import {
  BorshAccountsCoder,
  BorshEventCoder,
  BorshInstructionCoder,
  EventParser,
  Program,
  web3,
} from "@anchor-lang/core";
import type { Idl, IdlInstruction, IdlInstructionAccount, IdlSeed, IdlType, Provider } from "@anchor-lang/core";

import { canon, differences, nameMap, toTs } from "./canonical";
import type { Rename } from "./canonical";
import { dryRunDeploy } from "./deploy-dry-run";
import type { AccountFixture, EventFixture, Fixtures, InstructionFixture, MetaFixture } from "./fixtures";

/** What failed and what is worth knowing, printed at the end. */
class Report {
  readonly failures: string[] = [];
  readonly notes: string[] = [];
  /** Instruction accounts in the fixtures, and how many `program.methods` derived. */
  accounts = 0;
  derived = 0;

  fail(what: string): void {
    this.failures.push(what);
  }

  /** Records each difference under `what`; true when there were none. */
  same(what: string, diffs: string[]): boolean {
    for (const d of diffs) this.fail(`${what}: ${d}`);
    return diffs.length === 0;
  }
}

const identity: Rename = (name) => name;

/** A provider that never reaches a network: account resolution must be offline. */
function offlineProvider(): Provider {
  const connection = new Proxy({} as web3.Connection, {
    get(_target, prop) {
      throw new Error(`the check is offline, yet connection.${String(prop)} was used`);
    },
  });
  return { connection };
}

function flatAccounts(ix: IdlInstruction): IdlInstructionAccount[] {
  return ix.accounts.map((a) => {
    if ("accounts" in a) throw new Error(`${ix.name}: composite account groups are not handled`);
    return a;
  });
}

/** A seed that names the very account it derives: the IDL lost its data path. */
function selfSeeded(acc: IdlInstructionAccount): boolean {
  return (acc.pda?.seeds ?? []).some((s: IdlSeed) => s.kind === "account" && s.path.split(".")[0] === acc.name);
}

/**
 * True when `program.methods` derives the account itself from the others:
 * a fixed address, the event-CPI pair, or a PDA whose seeds are constants,
 * arguments or other accounts' keys (not their data).
 */
function resolvedByClient(acc: IdlInstructionAccount, i: number, all: IdlInstructionAccount[]): boolean {
  if (acc.address) return true;
  if (acc.name === "event_authority" && all[i + 1]?.name === "program") return true;
  if (acc.name === "program" && all[i - 1]?.name === "event_authority") return true;
  if (!acc.pda || acc.pda.program) return false;
  return acc.pda.seeds.every((s: IdlSeed) => s.kind !== "account" || (!s.path.includes(".") && s.path !== acc.name));
}

function metaDiffs(want: MetaFixture[], got: web3.AccountMeta[]): string[] {
  const out: string[] = [];
  if (want.length !== got.length) out.push(`${got.length} account metas, the SDK has ${want.length}`);
  want.forEach((w, i) => {
    const g = got[i];
    if (!g) return;
    const gm = { pubkey: g.pubkey.toBase58(), signer: g.isSigner, writable: g.isWritable };
    if (gm.pubkey !== w.pubkey || gm.signer !== w.signer || gm.writable !== w.writable) {
      out.push(`meta ${i}: ${JSON.stringify(gm)}, the SDK has ${JSON.stringify(w)}`);
    }
  });
  return out;
}

function keysDiff(want: string[], have: string[]): string[] {
  const missing = want.filter((k) => !have.includes(k));
  const extra = have.filter((k) => !want.includes(k));
  return missing.length || extra.length
    ? [`names differ from the IDL: missing [${missing.join(", ")}], not in the IDL [${extra.join(", ")}]`]
    : [];
}

async function checkInstruction(
  idl: Idl,
  program: Program,
  rename: Rename,
  ix: IdlInstruction,
  f: InstructionFixture,
  report: Report,
): Promise<void> {
  const what = `instruction ${ix.name}`;
  const types = idl.types ?? [];
  if (
    !report.same(
      what,
      keysDiff(
        ix.args.map((a) => a.name),
        Object.keys(f.args),
      ),
    )
  )
    return;
  const accounts = flatAccounts(ix);
  if (
    !report.same(
      `${what} accounts`,
      keysDiff(
        accounts.map((a) => a.name),
        Object.keys(f.accounts),
      ),
    )
  )
    return;

  // The raw IDL's coder: arguments → bytes, and the SDK's bytes → arguments.
  const coder = new BorshInstructionCoder(idl);
  const rawArgs: Record<string, unknown> = {};
  for (const a of ix.args) rawArgs[a.name] = toTs(f.args[a.name], a.type, types, identity, `${ix.name}.${a.name}`);
  const data = coder.encode(ix.name, rawArgs).toString("hex");
  if (data !== f.data) report.fail(`${what}: BorshInstructionCoder encodes ${data}, the SDK ${f.data}`);
  const decoded = coder.decode(Buffer.from(f.data, "hex"));
  if (!decoded || decoded.name !== ix.name) {
    report.fail(`${what}: the SDK's data decodes as ${decoded?.name ?? "nothing"}`);
  } else {
    const fields = decoded.data as Record<string, unknown>;
    for (const a of ix.args) {
      report.same(
        `${what} decoded`,
        differences(f.args[a.name], canon(fields[a.name], a.type, types, identity, a.name), a.name),
      );
    }
  }

  // The account list, position by position, against the SDK's metas.
  if (f.program_id !== idl.address)
    report.fail(`${what}: the SDK's program id ${f.program_id}, the IDL's ${idl.address}`);
  accounts.forEach((acc, i) => {
    const meta = f.metas[i];
    const key = f.accounts[acc.name];
    if (!meta) return report.fail(`${what}: the SDK passes no account at position ${i} (${acc.name})`);
    if (meta.pubkey !== key) {
      const there = Object.entries(f.accounts).find(([, k]) => k === meta.pubkey)?.[0] ?? meta.pubkey;
      report.fail(`${what}: position ${i} is ${acc.name} in the IDL, ${there} in the SDK`);
    }
    if (meta.signer !== (acc.signer ?? false))
      report.fail(
        `${what}: ${acc.name} signer ${String(acc.signer ?? false)} in the IDL, ${String(meta.signer)} in the SDK`,
      );
    if (meta.writable !== (acc.writable ?? false))
      report.fail(
        `${what}: ${acc.name} writable ${String(acc.writable ?? false)} in the IDL, ${String(meta.writable)} in the SDK`,
      );
    if (acc.address && acc.address !== key)
      report.fail(`${what}: ${acc.name} is ${acc.address} in the IDL, ${key} in the SDK`);
    if (selfSeeded(acc)) report.notes.push(`${ix.name}.${acc.name}`);
  });

  // The client path: `program.methods` with camelCase names, the accounts it
  // cannot derive, and the rest resolved from the IDL (PDAs, addresses,
  // event CPI); the whole instruction must be the SDK's.
  const given: Record<string, web3.PublicKey> = {};
  accounts.forEach((acc, i) => {
    report.accounts += 1;
    if (resolvedByClient(acc, i, accounts)) report.derived += 1;
    else given[rename(acc.name)] = new web3.PublicKey(f.accounts[acc.name]);
  });
  const remaining = f.metas.slice(accounts.length).map((m) => ({
    pubkey: new web3.PublicKey(m.pubkey),
    isSigner: m.signer,
    isWritable: m.writable,
  }));
  const args = ix.args.map((a) => toTs(f.args[a.name], a.type, types, rename, `${ix.name}.${a.name}`));
  const method = program.methods[rename(ix.name)];
  if (!method) return report.fail(`${what}: program.methods.${rename(ix.name)} does not exist`);
  try {
    const built = await method(...args)
      .accountsPartial(given)
      .remainingAccounts(remaining)
      .instruction();
    if (built.programId.toBase58() !== f.program_id)
      report.fail(`${what}: program.methods targets ${built.programId.toBase58()}`);
    const builtData = built.data.toString("hex");
    if (builtData !== f.data) report.fail(`${what}: program.methods encodes ${builtData}, the SDK ${f.data}`);
    report.same(`${what} via program.methods`, metaDiffs(f.metas, built.keys));
  } catch (e) {
    report.fail(`${what}: program.methods failed: ${(e as Error).message}`);
  }
}

async function checkInstructions(
  idl: Idl,
  program: Program,
  rename: Rename,
  fx: Fixtures,
  report: Report,
): Promise<number> {
  let checked = 0;
  for (const ix of idl.instructions) {
    const mine = fx.instructions.filter((f) => f.name === ix.name);
    if (mine.length === 0) report.fail(`instruction ${ix.name}: no fixture`);
    for (const f of mine) {
      try {
        await checkInstruction(idl, program, rename, ix, f, report);
      } catch (e) {
        report.fail(`instruction ${ix.name}: ${(e as Error).message}`);
      }
    }
    checked += mine.length > 0 ? 1 : 0;
  }
  for (const f of fx.instructions) {
    if (!idl.instructions.some((ix) => ix.name === f.name))
      report.fail(`fixture for instruction ${f.name}, which the IDL lacks`);
  }
  return checked;
}

function checkAccount(idl: Idl, program: Program, rename: Rename, f: AccountFixture, report: Report): void {
  const what = `account ${f.name} at ${f.address}`;
  const types = idl.types ?? [];
  const ty: IdlType = { defined: { name: f.name } };
  const data = Buffer.from(f.data, "hex");
  const raw = new BorshAccountsCoder(idl);
  const size = raw.size(f.name);
  if (size !== data.length) report.fail(`${what}: the IDL describes ${size} bytes, the program wrote ${data.length}`);
  const decoded = raw.decode(f.name, data);
  report.same(
    `${what} (BorshAccountsCoder)`,
    differences(f.decoded, canon(decoded, ty, types, identity, f.name), f.name),
  );
  const viaProgram = program.coder.accounts.decode(rename(f.name), data);
  report.same(`${what} (program.coder)`, differences(f.decoded, canon(viaProgram, ty, types, rename, f.name), f.name));
}

function checkAccounts(idl: Idl, program: Program, rename: Rename, fx: Fixtures, report: Report): [number, number] {
  const names = (idl.accounts ?? []).map((a) => a.name);
  for (const name of names) {
    if (!fx.accounts.some((f) => f.name === name)) report.fail(`account type ${name}: no fixture`);
  }
  let decoded = 0;
  for (const f of fx.accounts) {
    if (!names.includes(f.name)) {
      report.fail(`fixture for account type ${f.name}, which the IDL lacks`);
      continue;
    }
    try {
      checkAccount(idl, program, rename, f, report);
    } catch (e) {
      report.fail(`account ${f.name} at ${f.address}: ${(e as Error).message}`);
    }
    decoded += 1;
  }
  return [names.filter((n) => fx.accounts.some((f) => f.name === n)).length, decoded];
}

function checkEvent(
  idl: Idl,
  program: Program,
  rename: Rename,
  raw: BorshEventCoder,
  parser: EventParser,
  f: EventFixture,
  report: Report,
): void {
  const what = `event ${f.name} (from ${f.instruction})`;
  const types = idl.types ?? [];
  const ty: IdlType = { defined: { name: f.name } };
  const b64 = Buffer.from(f.data, "hex").toString("base64");
  const decoded = raw.decode(b64);
  if (!decoded || decoded.name !== f.name)
    return report.fail(`${what}: BorshEventCoder reads ${decoded?.name ?? "nothing"}`);
  report.same(
    `${what} (BorshEventCoder)`,
    differences(f.decoded, canon(decoded.data, ty, types, identity, f.name), f.name),
  );
  const viaProgram = program.coder.events.decode(b64);
  if (!viaProgram || viaProgram.name !== rename(f.name)) {
    report.fail(`${what}: program.coder reads ${viaProgram?.name ?? "nothing"}`);
  } else {
    report.same(
      `${what} (program.coder)`,
      differences(f.decoded, canon(viaProgram.data, ty, types, rename, f.name), f.name),
    );
  }
  if (f.via === "log") {
    // What a client sees of an `emit!` event: a `Program data:` log line.
    const id = program.programId.toBase58();
    const logs = [`Program ${id} invoke [1]`, `Program data: ${b64}`, `Program ${id} success`];
    const parsed = [...parser.parseLogs(logs, true)];
    if (parsed.length !== 1 || parsed[0].name !== rename(f.name)) {
      report.fail(`${what}: the log parser finds ${JSON.stringify(parsed.map((p) => p.name))}`);
    } else {
      report.same(
        `${what} (EventParser)`,
        differences(f.decoded, canon(parsed[0].data, ty, types, rename, f.name), f.name),
      );
    }
  }
}

function checkEvents(idl: Idl, program: Program, rename: Rename, fx: Fixtures, report: Report): number {
  const raw = new BorshEventCoder(idl);
  const parser = new EventParser(program.programId, program.coder);
  const names = (idl.events ?? []).map((e) => e.name);
  for (const name of names) {
    if (!fx.events.some((f) => f.name === name)) report.fail(`event ${name}: no fixture`);
  }
  for (const f of fx.events) {
    if (!names.includes(f.name)) {
      report.fail(`fixture for event ${f.name}, which the IDL lacks`);
      continue;
    }
    try {
      checkEvent(idl, program, rename, raw, parser, f, report);
    } catch (e) {
      report.fail(`event ${f.name} (from ${f.instruction}): ${(e as Error).message}`);
    }
  }
  return names.filter((n) => fx.events.some((f) => f.name === n)).length;
}

async function main(): Promise<number> {
  const [idlPath, fixturesPath] = process.argv.slice(2);
  if (!idlPath || !fixturesPath) {
    console.error("usage: check-idl IDL.json FIXTURES.json");
    return 2;
  }
  const idl = JSON.parse(fs.readFileSync(idlPath, "utf8")) as Idl;
  const fx = JSON.parse(fs.readFileSync(fixturesPath, "utf8")) as Fixtures;
  const report = new Report();
  console.log(`IDL ${idlPath} (${idl.metadata.name} ${idl.metadata.version}, ${idl.address}) with @anchor-lang/core:`);
  const program = new Program(idl, offlineProvider());
  const rename = nameMap(idl, program.idl);
  if (fx.program_id !== idl.address) report.fail(`the SDK's program id is ${fx.program_id}, the IDL's ${idl.address}`);

  const instructions = await checkInstructions(idl, program, rename, fx, report);
  const [accountTypes, accounts] = checkAccounts(idl, program, rename, fx, report);
  const events = checkEvents(idl, program, rename, fx, report);
  const deploy = await dryRunDeploy(idlPath, fx.deploy, report.fail.bind(report));
  const count = (n: number, of: number): string => `${n}/${of}`;
  console.log(
    `  instructions ${count(instructions, idl.instructions.length)}: encoded (BorshInstructionCoder, program.methods) ` +
      `against the SDK's bytes and account metas, decoded back; ${report.derived} of ${report.accounts} accounts derived by program.methods`,
  );
  console.log(
    `  account types ${count(accountTypes, (idl.accounts ?? []).length)} (${accounts} accounts the program wrote): ` +
      `decoded against Rust's values, every field and byte`,
  );
  console.log(
    `  events ${count(events, (idl.events ?? []).length)} (${fx.events.length} from transactions): decoded against Rust's values`,
  );
  console.log(`  migrations/deploy.ts: ${deploy} instructions sent by a dry run, against the SDK's`);
  const notes = [...new Set(report.notes)];
  if (notes.length) {
    console.log(
      `  note: the IDL gives these PDAs seeds that name the account itself (the program derives them from the account's own data), ` +
        `so clients pass them explicitly (accountsPartial): ${notes.join(", ")}`,
    );
  }
  if (report.failures.length) {
    console.error(`${report.failures.length} failures:`);
    for (const f of report.failures) console.error(`  ${f}`);
    return 1;
  }
  console.log("IDL check passed");
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : e);
    process.exit(1);
  },
);
