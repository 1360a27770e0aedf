//! Transaction assembly: compute-budget instructions first, then the
//! caller's; a legacy message without lookup tables, a v0 message compiled
//! against them otherwise (accounts of up to 32 positions need one).

use anchor_lang::prelude::Pubkey;
use solana_compute_budget_interface::ComputeBudgetInstruction;
use solana_hash::Hash;
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_message::{v0, AddressLookupTableAccount, VersionedMessage};
use solana_signer::Signer;
use solana_transaction::versioned::VersionedTransaction;
use solana_transaction::Transaction;

use crate::error::{ClientError, ClientResult};

/// unit: accounts. Locks a transaction may take on a cluster without the
/// feature that raises it to 128 (the in-process bank enables it).
pub const MAX_TX_ACCOUNT_LOCKS: usize = 64;
/// unit: bytes. The largest transaction the network accepts.
pub const PACKET_DATA_SIZE: usize = 1_232;

/// The compute-budget instructions a transaction starts with: a unit
/// limit, and a unit price when `micro_lamports_per_cu` is not zero.
pub fn compute_budget_instructions(cu_limit: u32, micro_lamports_per_cu: u64) -> Vec<Instruction> {
    let mut out = vec![ComputeBudgetInstruction::set_compute_unit_limit(cu_limit)];
    if micro_lamports_per_cu > 0 {
        out.push(ComputeBudgetInstruction::set_compute_unit_price(
            micro_lamports_per_cu,
        ));
    }
    out
}

/// A signed transaction of `ixs` paid by `payer`: legacy when `tables` is
/// empty, v0 against them otherwise. Signers are deduplicated.
pub fn build_transaction(
    payer: &Keypair,
    ixs: &[Instruction],
    signers: &[&Keypair],
    tables: &[AddressLookupTableAccount],
    blockhash: Hash,
) -> ClientResult<VersionedTransaction> {
    let mut keys: Vec<&Keypair> = vec![payer];
    for s in signers {
        if !keys.iter().any(|k| k.pubkey() == s.pubkey()) {
            keys.push(s);
        }
    }
    if tables.is_empty() {
        let tx = Transaction::new_signed_with_payer(ixs, Some(&payer.pubkey()), &keys, blockhash);
        return Ok(tx.into());
    }
    let message = v0::Message::try_compile(&payer.pubkey(), ixs, tables, blockhash)
        .map_err(|e| ClientError::Input(format!("v0 message: {e}")))?;
    VersionedTransaction::try_new(VersionedMessage::V0(message), &keys)
        .map_err(|e| ClientError::Input(format!("signing: {e}")))
}

/// Every account key of `tx` in the order instruction indexes use: the
/// static keys, then each lookup's writable addresses, then each lookup's
/// read-only addresses.
pub fn resolved_keys(
    tx: &VersionedTransaction,
    tables: &[AddressLookupTableAccount],
) -> Vec<Pubkey> {
    let mut keys = tx.message.static_account_keys().to_vec();
    let Some(lookups) = tx.message.address_table_lookups() else {
        return keys;
    };
    let table = |key: &Pubkey| tables.iter().find(|t| t.key == *key);
    for l in lookups {
        if let Some(t) = table(&l.account_key) {
            keys.extend(l.writable_indexes.iter().map(|&i| t.addresses[i as usize]));
        }
    }
    for l in lookups {
        if let Some(t) = table(&l.account_key) {
            keys.extend(l.readonly_indexes.iter().map(|&i| t.addresses[i as usize]));
        }
    }
    keys
}

/// The accounts a transaction of `ixs` paid by `payer` locks, each once,
/// with whether it is written: the fee payer, the compute-budget program,
/// every invoked program and every account an instruction names.
pub fn locked_accounts(payer: &Pubkey, ixs: &[Instruction]) -> Vec<(Pubkey, bool)> {
    let mut out: Vec<(Pubkey, bool)> =
        vec![(*payer, true), (solana_sdk_ids::compute_budget::ID, false)];
    for ix in ixs {
        for (key, writable) in std::iter::once((ix.program_id, false))
            .chain(ix.accounts.iter().map(|m| (m.pubkey, m.is_writable)))
        {
            match out.iter_mut().find(|(k, _)| *k == key) {
                Some(entry) => entry.1 |= writable,
                None => out.push((key, writable)),
            }
        }
    }
    out
}

/// unit: bytes. The wire size of `tx` (the network accepts at most 1,232).
pub fn wire_size(tx: &VersionedTransaction) -> usize {
    bincode::serialized_size(tx).map_or(usize::MAX, |n| n as usize)
}

/// The `emit_cpi!` event payloads (tag stripped) among `inner` instructions
/// `(program id index, data)` of a transaction whose keys are `keys`.
pub fn cpi_events<'a>(
    keys: &[Pubkey],
    inner: impl IntoIterator<Item = (u8, &'a [u8])>,
) -> Vec<Vec<u8>> {
    inner
        .into_iter()
        .filter(|(program, data)| {
            keys.get(*program as usize) == Some(&options_margin::ID)
                && data.len() >= 8
                && data[..8] == anchor_lang::event::EVENT_IX_TAG_LE[..]
        })
        .map(|(_, data)| data[8..].to_vec())
        .collect()
}

/// Decodes the first event of type `E` among captured event payloads.
pub fn find_event<E: anchor_lang::Event + anchor_lang::AnchorDeserialize>(
    events: &[Vec<u8>],
) -> Option<E> {
    events.iter().find_map(|data| {
        if data.len() >= 8 && &data[..8] == E::DISCRIMINATOR {
            E::try_from_slice(&data[8..]).ok()
        } else {
            None
        }
    })
}
