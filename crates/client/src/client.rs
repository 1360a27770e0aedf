//! A client: a chain, the fee payer, where prices are read, lookup tables
//! and a priority fee. It sends instructions with their compute budget
//! (from [`crate::budget`], or from a simulation when asked) and returns
//! the program's own error on failure.

use anchor_lang::prelude::Pubkey;
use solana_instruction::Instruction;
use solana_keypair::Keypair;
use solana_message::AddressLookupTableAccount;
use solana_signature::Signature;
use solana_signer::Signer;

use crate::budget::{transaction_budget, MARGIN_PERCENT, MAX_TX_CU};
use crate::chain::{Chain, Simulation};
use crate::error::{ClientError, ClientResult};
use crate::oracles::PriceAccounts;
use crate::tx;

/// How a transaction's compute-unit limit is chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CuLimit {
    /// The per-instruction budgets measured on SBF ([`crate::budget`]).
    Budget,
    /// A simulation at the maximum, then what it used plus [`MARGIN_PERCENT`].
    Simulate,
    /// unit: CU. Exactly this.
    Fixed(u32),
}

pub struct Client<C: Chain> {
    pub chain: C,
    pub payer: Keypair,
    pub prices: PriceAccounts,
    pub lookup_tables: Vec<AddressLookupTableAccount>,
    /// unit: micro-lamports per CU. The priority fee (0: none).
    pub cu_price_micro_lamports: u64,
    pub cu_limit: CuLimit,
}

impl<C: Chain> Client<C> {
    pub fn new(chain: C, payer: Keypair) -> Self {
        Self {
            chain,
            payer,
            prices: PriceAccounts::default(),
            lookup_tables: Vec::new(),
            cu_price_micro_lamports: 0,
            cu_limit: CuLimit::Budget,
        }
    }

    pub fn payer_key(&self) -> Pubkey {
        self.payer.pubkey()
    }

    /// Compiles later transactions as v0 messages against the address
    /// lookup table at `table` (created and extended with any tool, e.g.
    /// `solana address-lookup-table create/extend` with
    /// [`crate::snapshot::Snapshot::lookup_addresses`]); accounts of up to 32
    /// positions need one.
    pub async fn use_lookup_table(&mut self, table: &Pubkey) -> ClientResult<()> {
        let account = self
            .chain
            .account(table)
            .await?
            .ok_or(ClientError::AccountNotFound(*table))?;
        let state = solana_address_lookup_table_interface::state::AddressLookupTable::deserialize(
            &account.data,
        )
        .map_err(|e| ClientError::BadAccount(*table, format!("not a lookup table: {e}")))?;
        self.lookup_tables.push(AddressLookupTableAccount {
            key: *table,
            addresses: state.addresses.to_vec(),
        });
        Ok(())
    }

    async fn transaction(
        &self,
        ixs: &[Instruction],
        signers: &[&Keypair],
        cu_limit: u32,
    ) -> ClientResult<solana_transaction::versioned::VersionedTransaction> {
        let mut all = tx::compute_budget_instructions(cu_limit, self.cu_price_micro_lamports);
        all.extend_from_slice(ixs);
        let blockhash = self.chain.latest_blockhash().await?;
        tx::build_transaction(&self.payer, &all, signers, &self.lookup_tables, blockhash)
    }

    /// Runs `ixs` without committing them (at the largest limit unless fixed).
    pub async fn simulate(
        &self,
        ixs: &[Instruction],
        signers: &[&Keypair],
    ) -> ClientResult<Simulation> {
        let limit = match self.cu_limit {
            CuLimit::Fixed(n) => n,
            _ => MAX_TX_CU,
        };
        let tx = self.transaction(ixs, signers, limit).await?;
        self.chain.simulate(&tx).await
    }

    /// unit: CU. The limit a transaction of `ixs` requests.
    pub async fn cu_limit_for(
        &self,
        ixs: &[Instruction],
        signers: &[&Keypair],
    ) -> ClientResult<u32> {
        Ok(match self.cu_limit {
            CuLimit::Budget => transaction_budget(ixs),
            CuLimit::Fixed(n) => n,
            CuLimit::Simulate => {
                let s = self.simulate(ixs, signers).await?;
                if let Some(e) = s.error {
                    return Err(ClientError::Transaction(e, s.logs));
                }
                let used = u32::try_from(s.units).unwrap_or(MAX_TX_CU);
                used.saturating_add(used / 100 * MARGIN_PERCENT)
                    .min(MAX_TX_CU)
            }
        })
    }

    /// Sends `ixs` (after the compute-budget instructions), paid by the
    /// payer and signed by `signers` too, and waits for confirmation.
    pub async fn send(&self, ixs: &[Instruction], signers: &[&Keypair]) -> ClientResult<Signature> {
        let limit = self.cu_limit_for(ixs, signers).await?;
        let tx = self.transaction(ixs, signers, limit).await?;
        let locks = tx::locked_accounts(&self.payer.pubkey(), ixs).len();
        if locks > tx::MAX_TX_ACCOUNT_LOCKS {
            return Err(ClientError::Input(format!(
                "the transaction would lock {locks} accounts (a cluster allows {})",
                tx::MAX_TX_ACCOUNT_LOCKS
            )));
        }
        let size = tx::wire_size(&tx);
        if size > tx::PACKET_DATA_SIZE {
            return Err(ClientError::Input(format!(
                "the transaction is {size} bytes (at most {}); add a lookup table",
                tx::PACKET_DATA_SIZE
            )));
        }
        self.chain.send(&tx).await
    }

    /// Like [`Self::send`], returning the `emit_cpi!` events of the
    /// transaction (from a simulation just before sending).
    pub async fn send_with_events(
        &self,
        ixs: &[Instruction],
        signers: &[&Keypair],
    ) -> ClientResult<(Signature, Vec<Vec<u8>>)> {
        let limit = self.cu_limit_for(ixs, signers).await?;
        let tx = self.transaction(ixs, signers, limit).await?;
        let s = self.chain.simulate(&tx).await?;
        if let Some(e) = s.error {
            return Err(ClientError::Transaction(e, s.logs));
        }
        Ok((self.chain.send(&tx).await?, s.events))
    }
}
