// Conversions driven by the IDL's types: fixture values to the TypeScript
// values @anchor-lang/core encodes (BN, PublicKey, arrays, objects), and
// decoded values back to the fixture's canonical form, so that both sides
// are compared field by field.

import { BN, web3 } from "@anchor-lang/core";
import type { Idl, IdlField, IdlType, IdlTypeDef } from "@anchor-lang/core";

import type { Canonical } from "./fixtures";

const WIDE = new Set(["u64", "i64", "u128", "i128", "u256", "i256"]);
const SMALL = new Set(["u8", "i8", "u16", "i16", "u32", "i32"]);

/** Names as the camelCase IDL has them (`Program` converts the IDL so). */
export type Rename = (rawName: string) => string;

/**
 * The raw → camelCase map of every name in the IDL, read off the two IDLs
 * side by side, so the check uses exactly the conversion `Program` applies.
 */
export function nameMap(raw: Idl, camel: Idl): Rename {
  const map = new Map<string, string>();
  const walk = (a: unknown, b: unknown): void => {
    if (Array.isArray(a) && Array.isArray(b)) {
      a.forEach((x, i) => walk(x, b[i]));
    } else if (a !== null && typeof a === "object" && b !== null && typeof b === "object") {
      const bo = b as Record<string, unknown>;
      for (const [k, v] of Object.entries(a as Record<string, unknown>)) {
        if (k === "name" && typeof v === "string" && typeof bo[k] === "string") {
          map.set(v, bo[k] as string);
        }
        walk(v, bo[k]);
      }
    }
  };
  walk(raw, camel);
  return (name) => {
    const out = map.get(name);
    if (out === undefined) throw new Error(`no camelCase name for ${name}`);
    return out;
  };
}

function structFields(types: IdlTypeDef[], name: string): IdlField[] {
  const def = types.find((t) => t.name === name);
  if (!def) throw new Error(`type ${name} not in the IDL`);
  if (def.type.kind !== "struct") throw new Error(`type ${name} is a ${def.type.kind}, not a struct`);
  const fields = def.type.fields ?? [];
  if (fields.length > 0 && typeof fields[0] !== "object") throw new Error(`type ${name} has tuple fields`);
  return fields as IdlField[];
}

function fail(path: string, why: string): never {
  throw new Error(`${path}: ${why}`);
}

/**
 * A fixture value as the TypeScript client takes it: BN for 64-bit and
 * wider integers, PublicKey for keys, objects keyed by `rename(field)`.
 */
export function toTs(value: Canonical, ty: IdlType, types: IdlTypeDef[], rename: Rename, path: string): unknown {
  if (typeof ty === "string") {
    if (WIDE.has(ty)) {
      if (typeof value !== "string" || !/^-?\d+$/.test(value)) fail(path, `${ty} must be a decimal string`);
      return new BN(value, 10);
    }
    if (SMALL.has(ty)) {
      if (typeof value !== "number" || !Number.isInteger(value)) fail(path, `${ty} must be an integer`);
      return value;
    }
    if (ty === "bool") {
      if (typeof value !== "boolean") fail(path, "bool expected");
      return value;
    }
    if (ty === "pubkey") {
      if (typeof value !== "string") fail(path, "base58 key expected");
      return new web3.PublicKey(value);
    }
    fail(path, `type ${ty} is not used by this program's IDL`);
  }
  if ("array" in ty || "vec" in ty) {
    const inner = "array" in ty ? ty.array[0] : ty.vec;
    if (!Array.isArray(value)) fail(path, "array expected");
    if ("array" in ty && value.length !== ty.array[1]) fail(path, `array of ${String(ty.array[1])} expected`);
    return value.map((v, i) => toTs(v, inner, types, rename, `${path}[${i}]`));
  }
  if ("defined" in ty) {
    const fields = structFields(types, ty.defined.name);
    if (value === null || typeof value !== "object" || Array.isArray(value)) fail(path, "object expected");
    sameKeys(value, fields, path);
    const out: Record<string, unknown> = {};
    for (const f of fields) out[rename(f.name)] = toTs(value[f.name], f.type, types, rename, `${path}.${f.name}`);
    return out;
  }
  fail(path, `type ${JSON.stringify(ty)} is not used by this program's IDL`);
}

function sameKeys(value: { [k: string]: Canonical }, fields: { name: string }[], path: string): void {
  const want = fields.map((f) => f.name);
  const have = Object.keys(value);
  const missing = want.filter((k) => !have.includes(k));
  const extra = have.filter((k) => !want.includes(k));
  if (missing.length || extra.length) {
    fail(path, `fields differ from the IDL: missing [${missing.join(", ")}], not in the IDL [${extra.join(", ")}]`);
  }
}

/**
 * A value @anchor-lang/core decoded, in the fixture's canonical form; its
 * objects are read at `rename(field)`.
 */
export function canon(value: unknown, ty: IdlType, types: IdlTypeDef[], rename: Rename, path: string): Canonical {
  if (typeof ty === "string") {
    if (WIDE.has(ty)) {
      if (!BN.isBN(value)) fail(path, `${ty} decoded as ${typeof value}, not BN`);
      return (value as BN).toString(10);
    }
    if (SMALL.has(ty)) {
      if (typeof value !== "number") fail(path, `${ty} decoded as ${typeof value}, not a number`);
      return value;
    }
    if (ty === "bool") {
      if (typeof value !== "boolean") fail(path, `bool decoded as ${typeof value}`);
      return value;
    }
    if (ty === "pubkey") {
      if (!(value instanceof web3.PublicKey)) fail(path, "pubkey decoded as something else than a PublicKey");
      return value.toBase58();
    }
    fail(path, `type ${ty} is not used by this program's IDL`);
  }
  if ("array" in ty || "vec" in ty) {
    const inner = "array" in ty ? ty.array[0] : ty.vec;
    if (!Array.isArray(value)) fail(path, "decoded as something else than an array");
    return value.map((v, i) => canon(v, inner, types, rename, `${path}[${i}]`));
  }
  if ("defined" in ty) {
    const fields = structFields(types, ty.defined.name);
    if (value === null || typeof value !== "object") fail(path, "decoded as something else than an object");
    const obj = value as Record<string, unknown>;
    const out: { [k: string]: Canonical } = {};
    for (const f of fields) {
      const key = rename(f.name);
      if (!(key in obj)) fail(path, `decoded object has no field ${key}`);
      out[f.name] = canon(obj[key], f.type, types, rename, `${path}.${f.name}`);
    }
    return out;
  }
  fail(path, `type ${JSON.stringify(ty)} is not used by this program's IDL`);
}

/** Every difference between `want` (Rust) and `got` (TypeScript), by path. */
export function differences(want: Canonical, got: Canonical, path: string, out: string[] = []): string[] {
  if (Array.isArray(want) || Array.isArray(got)) {
    if (!Array.isArray(want) || !Array.isArray(got) || want.length !== got.length) {
      out.push(`${path}: Rust ${JSON.stringify(want)}, TypeScript ${JSON.stringify(got)}`);
      return out;
    }
    want.forEach((w, i) => differences(w, got[i], `${path}[${i}]`, out));
    return out;
  }
  if (typeof want === "object" && typeof got === "object") {
    const keys = new Set([...Object.keys(want), ...Object.keys(got)]);
    for (const k of keys) {
      if (!(k in want)) out.push(`${path}.${k}: not in the Rust fixture`);
      else if (!(k in got)) out.push(`${path}.${k}: not decoded by TypeScript`);
      else differences(want[k], got[k], `${path}.${k}`, out);
    }
    return out;
  }
  if (want !== got) out.push(`${path}: Rust ${JSON.stringify(want)}, TypeScript ${JSON.stringify(got)}`);
  return out;
}

/** The IDL fields of a struct type (its top-level keys in a fixture). */
export function fieldsOf(types: IdlTypeDef[], name: string): IdlField[] {
  return structFields(types, name);
}
