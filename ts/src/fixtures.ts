// The fixture file the Rust suite writes (tests/tests/cases/typescript_idl):
// what the SDK builds and what the program wrote, with the values Rust
// decodes. Names are the IDL's (snake_case); integers up to 32 bits are JSON
// numbers, 64-bit ones decimal strings, keys base58, bytes hex.

/** A canonical value: what both sides are compared in. */
export type Canonical = number | string | boolean | Canonical[] | { [field: string]: Canonical };

export type MetaFixture = { pubkey: string; signer: boolean; writable: boolean };

export type InstructionFixture = {
  name: string;
  /** Every IDL argument by name. */
  args: { [name: string]: Canonical };
  /** Every IDL account of the instruction by name. */
  accounts: { [name: string]: string };
  program_id: string;
  /** Instruction data (discriminator + borsh arguments). */
  data: string;
  /** The builder's account metas: the IDL's accounts, then remaining accounts. */
  metas: MetaFixture[];
};

export type AccountFixture = {
  name: string;
  address: string;
  /** The account's data as the program wrote it (discriminator included). */
  data: string;
  /** What Rust decodes from `data`, every field of the IDL type. */
  decoded: Canonical;
};

export type EventFixture = {
  name: string;
  /** The instruction whose transaction emitted it. */
  instruction: string;
  /** "cpi" (`emit_cpi!`: inner instruction data after Anchor's event tag) or "log" (`emit!`). */
  via: "cpi" | "log";
  /** Event discriminator + borsh payload. */
  data: string;
  decoded: Canonical;
};

export type DeployFixture = {
  deployer: string;
  /** What migrations/deploy.ts must send, in order, as the SDK builds it. */
  instructions: { program_id: string; data: string; metas: MetaFixture[] }[];
};

export type Fixtures = {
  program_id: string;
  instructions: InstructionFixture[];
  accounts: AccountFixture[];
  events: EventFixture[];
  deploy: DeployFixture;
};
