//! The simulator's view of the chain: the embedded bank behind the SDK's
//! [`Chain`] trait, with Solana's block limits enforced by a scheduler
//! (the in-process bank enforces none) and every liquidation recorded.
//!
//! - **Capacity.** Each 400 ms slot admits transactions up to 60M CU in
//!   total and 12M CU per writable account, counting what each
//!   transaction requests (its `SetComputeUnitLimit`, which the SDK takes
//!   from the measured per-instruction budgets of
//!   [`options_margin_client::budget`]), as the cluster's cost model
//!   does. A transaction goes in the earliest slot of the current price
//!   step with room; when none has room before the next price update it
//!   is refused unsent (the sender retries next pass) and counted.
//! - **Blockhashes.** The bank's latest hash, without waiting for a new
//!   one (the SDK's embedded chain waits up to one slot of wall time per
//!   transaction); the simulator moves the bank one slot per step instead.
//! - **Liquidations.** Before a `partial_liquidate` is sent, the
//!   liquidated account is read and the just-enough quantity of the
//!   planned candidate is solved with the program's planner on that
//!   pre-liquidation state; the transaction's events come from the
//!   simulation the sender ran just before.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};

use anchor_lang::prelude::{Clock, Pubkey};
use anchor_lang::Discriminator;
use options_margin::events::{BankruptcyEvent, LiquidationEvent};
use options_margin::state::MarginAccount;
use options_margin_client::chain::{AccountFilter, Chain, Simulation};
use options_margin_client::decode::decode;
use options_margin_client::embedded::EmbeddedChain;
use options_margin_client::error::{ClientError, ClientResult};
use options_margin_client::snapshot::Snapshot;
use options_margin_client::tx::find_event;
use solana_account::Account;
use solana_hash::Hash;
use solana_signature::Signature;
use solana_transaction::versioned::VersionedTransaction;

/// unit: CU. Solana's block limit.
pub const BLOCK_CU: u64 = 60_000_000;
/// unit: CU. Solana's limit per writable account per block.
pub const ACCOUNT_CU: u64 = 12_000_000;
/// unit: milliseconds per slot.
pub const SLOT_MS: i64 = 400;

/// CU used in one slot.
#[derive(Default)]
struct SlotLoad {
    total: u64,
    per_account: HashMap<Pubkey, u64>,
}

/// One liquidation call as it landed.
pub struct Landed {
    pub event: LiquidationEvent,
    /// unit: contracts (or collateral native). What would have restored the
    /// target on the pre-call state (the planner's own solve; the whole
    /// candidate when even that does not reach it).
    pub just_enough_quantity: u64,
    /// unit: slots after the step's first slot.
    pub delay_slots: u64,
}

/// What the scheduler saw.
#[derive(Default)]
pub struct Ledger {
    pub transactions: u64,
    pub liquidation_transactions: u64,
    /// unit: CU requested.
    pub cu_requested: u64,
    /// Transactions refused for lack of block space before the next price update.
    pub deferred: u64,
    pub failed: u64,
    pub liquidations: Vec<Landed>,
    pub bankruptcies: Vec<BankruptcyEvent>,
    /// unit: slots. Σ queueing delay of the liquidation transactions.
    pub delay_slots_total: u64,
    pub delay_slots_max: u64,
}

struct State {
    /// First slot of the current step and the first of the next (none
    /// during setup: the population is built before the clock starts).
    step: Option<(u64, u64)>,
    slots: BTreeMap<u64, SlotLoad>,
    snapshot: Option<Snapshot>,
    /// Events of the last simulations, by signature.
    simulated: HashMap<Signature, Vec<Vec<u8>>>,
    ledger: Ledger,
}

/// Options-margin accounts by data length (an RPC node's index).
pub type ProgramIndex = BTreeMap<u64, Vec<Pubkey>>;

pub struct SimChain<'a> {
    pub inner: &'a EmbeddedChain,
    /// Answers options-margin `getProgramAccounts` from fresh reads of
    /// these keys (every account the program owns; none is created during
    /// the path) instead of every key the bank has seen.
    index: Option<&'a ProgramIndex>,
    state: RefCell<State>,
}

impl Ledger {
    /// Adds a step's counts (its liquidations and bankruptcies are taken apart).
    pub fn absorb(&mut self, step: Ledger) {
        self.transactions += step.transactions;
        self.liquidation_transactions += step.liquidation_transactions;
        self.cu_requested += step.cu_requested;
        self.deferred += step.deferred;
        self.failed += step.failed;
        self.delay_slots_total += step.delay_slots_total;
        self.delay_slots_max = self.delay_slots_max.max(step.delay_slots_max);
        self.liquidations.extend(step.liquidations);
        self.bankruptcies.extend(step.bankruptcies);
    }
}

impl<'a> SimChain<'a> {
    pub fn new(inner: &'a EmbeddedChain, index: Option<&'a ProgramIndex>) -> Self {
        Self {
            inner,
            index,
            state: RefCell::new(State {
                step: None,
                slots: BTreeMap::new(),
                snapshot: None,
                simulated: HashMap::new(),
                ledger: Ledger::default(),
            }),
        }
    }

    /// A new price step covering slots `[first, next)`, priced by `snapshot`.
    pub fn begin_step(&self, first: u64, next: u64, snapshot: Snapshot) {
        let mut s = self.state.borrow_mut();
        s.step = Some((first, next.max(first + 1)));
        s.slots.retain(|k, _| *k >= first);
        s.snapshot = Some(snapshot);
        s.simulated.clear();
    }

    /// The step's snapshot after the crank: the exchange, the series and the
    /// price account re-read, the clock now.
    pub async fn update_snapshot(&self, m: &super::population::Market) -> ClientResult<()> {
        let mut keys = m.series.clone();
        let feed = {
            let s = self.state.borrow();
            let snap = s.snapshot.as_ref().expect("a step has a snapshot");
            snap.underlyings
                .values()
                .map(|u| options_margin_client::oracles::push_feed_account(&u.oracle.feed, 0))
                .collect::<Vec<_>>()
        };
        keys.extend(feed);
        let fetched = self.inner.accounts(&keys).await?;
        let exchange = options_margin_client::decode::fetch(self.inner, &m.exchange).await?;
        let now = Chain::clock(self.inner).await?.unix_timestamp;
        let mut s = self.state.borrow_mut();
        let snap = s.snapshot.as_mut().expect("a step has a snapshot");
        for (k, a) in keys.iter().zip(fetched) {
            if let Some(a) = a {
                snap.update(*k, &a);
            }
        }
        snap.exchange = exchange;
        snap.now_ts = now;
        Ok(())
    }

    pub fn with_snapshot<R>(&self, f: impl FnOnce(&Snapshot) -> R) -> R {
        f(self
            .state
            .borrow()
            .snapshot
            .as_ref()
            .expect("a step has a snapshot"))
    }

    pub fn into_snapshot(self) -> Snapshot {
        self.state
            .into_inner()
            .snapshot
            .expect("a step has a snapshot")
    }

    pub fn take_ledger(&self) -> Ledger {
        std::mem::take(&mut self.state.borrow_mut().ledger)
    }

    pub fn with_ledger<R>(&self, f: impl FnOnce(&Ledger) -> R) -> R {
        f(&self.state.borrow().ledger)
    }

    /// The earliest slot of the step with room for `cu` on `writable`.
    fn place(&self, cu: u64, writable: &[Pubkey]) -> Option<u64> {
        let mut s = self.state.borrow_mut();
        let Some((first, next)) = s.step else {
            return Some(0);
        };
        for slot in first..next {
            let load = s.slots.entry(slot).or_default();
            let fits = load.total + cu <= BLOCK_CU
                && writable
                    .iter()
                    .all(|w| load.per_account.get(w).copied().unwrap_or(0) + cu <= ACCOUNT_CU);
            if fits {
                load.total += cu;
                for w in writable {
                    *load.per_account.entry(*w).or_default() += cu;
                }
                return Some(slot - first);
            }
        }
        None
    }

    /// The just-enough quantity of each `partial_liquidate` in `tx`, on the
    /// state before it.
    async fn just_enough(&self, tx: &VersionedTransaction) -> Vec<u64> {
        let keys = tx.message.static_account_keys();
        let mut out = Vec::new();
        for ix in tx.message.instructions() {
            let program = keys[usize::from(ix.program_id_index)];
            if program != options_margin::ID
                || !ix
                    .data
                    .starts_with(options_margin::instruction::PartialLiquidate::DISCRIMINATOR)
            {
                continue;
            }
            let Some(liquidatee) = ix.accounts.get(2).map(|i| keys[usize::from(*i)]) else {
                continue;
            };
            let account = self
                .inner
                .account(&liquidatee)
                .await
                .ok()
                .flatten()
                .and_then(|a| decode::<MarginAccount>(&a.data));
            let s = self.state.borrow();
            let q = match (account, s.snapshot.as_ref()) {
                (Some(a), Some(snap)) => just_enough_quantity(snap, &a),
                _ => 0,
            };
            out.push(q);
        }
        out
    }
}

/// The smallest quantity of the planned candidate whose liquidation
/// restores the target on `account`'s current state, by bisection over the
/// program's own planning of a capped call (`Snapshot::plan` with a
/// maximum quantity evaluates exactly that slice); the planned quantity
/// when no smaller slice reaches the target.
pub fn just_enough_quantity(snapshot: &Snapshot, account: &MarginAccount) -> u64 {
    let Ok((plan, _, _)) = snapshot.plan(account, u64::MAX) else {
        return 0;
    };
    let reaches = |q: u64| {
        snapshot
            .plan(account, q)
            .is_ok_and(|(p, _, _)| p.reaches_target)
    };
    if !plan.reaches_target || plan.quantity <= 1 {
        return plan.quantity;
    }
    let (mut lo, mut hi) = (0u64, plan.quantity);
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if reaches(mid) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    hi
}

/// `SetComputeUnitLimit` of `tx` (1.4M when it names none) and its writable accounts.
fn cost(tx: &VersionedTransaction) -> (u64, Vec<Pubkey>) {
    let keys = tx.message.static_account_keys();
    let mut cu = u64::from(options_margin_client::budget::MAX_TX_CU);
    for ix in tx.message.instructions() {
        if keys[usize::from(ix.program_id_index)] == solana_sdk_ids::compute_budget::ID
            && ix.data.first() == Some(&2)
            && ix.data.len() >= 5
        {
            cu = u64::from(u32::from_le_bytes([
                ix.data[1], ix.data[2], ix.data[3], ix.data[4],
            ]));
        }
    }
    let writable = (0..keys.len())
        .filter(|i| tx.message.is_maybe_writable(*i, None))
        .map(|i| keys[i])
        .collect();
    (cu, writable)
}

fn names(tx: &VersionedTransaction, discriminator: &[u8]) -> bool {
    let keys = tx.message.static_account_keys();
    tx.message.instructions().iter().any(|ix| {
        keys[usize::from(ix.program_id_index)] == options_margin::ID
            && ix.data.starts_with(discriminator)
    })
}

impl Chain for SimChain<'_> {
    async fn account(&self, key: &Pubkey) -> ClientResult<Option<Account>> {
        self.inner.account(key).await
    }

    async fn accounts(&self, keys: &[Pubkey]) -> ClientResult<Vec<Option<Account>>> {
        self.inner.accounts(keys).await
    }

    async fn program_accounts(
        &self,
        program: &Pubkey,
        filters: &[AccountFilter],
    ) -> ClientResult<Vec<(Pubkey, Account)>> {
        let Some(index) = self.index.filter(|_| *program == options_margin::ID) else {
            return self.inner.program_accounts(program, filters).await;
        };
        let size = filters.iter().find_map(|f| match f {
            AccountFilter::DataSize(n) => Some(*n),
            _ => None,
        });
        let keys: Vec<Pubkey> = match size {
            Some(n) => index.get(&n).cloned().unwrap_or_default(),
            None => index.values().flatten().copied().collect(),
        };
        let fetched = self.inner.accounts(&keys).await?;
        Ok(keys
            .into_iter()
            .zip(fetched)
            .filter_map(|(k, a)| a.map(|a| (k, a)))
            .filter(|(_, a)| a.owner == *program && filters.iter().all(|f| f.matches(&a.data)))
            .collect())
    }

    async fn clock(&self) -> ClientResult<Clock> {
        Chain::clock(self.inner).await
    }

    // solana-program-test 3.x marks its context "unstable"; it is the pinned bank.
    #[allow(deprecated)]
    async fn latest_blockhash(&self) -> ClientResult<Hash> {
        self.inner
            .ctx
            .banks_client
            .get_latest_blockhash()
            .await
            .map_err(|e| ClientError::Chain(format!("blockhash: {e}")))
    }

    async fn simulate(&self, tx: &VersionedTransaction) -> ClientResult<Simulation> {
        let s = Chain::simulate(self.inner, tx).await?;
        if let Some(sig) = tx.signatures.first() {
            self.state
                .borrow_mut()
                .simulated
                .insert(*sig, s.events.clone());
        }
        Ok(s)
    }

    async fn send(&self, tx: &VersionedTransaction) -> ClientResult<Signature> {
        let (cu, writable) = cost(tx);
        let Some(delay) = self.place(cu, &writable) else {
            self.state.borrow_mut().ledger.deferred += 1;
            return Err(ClientError::Chain(
                "block capacity: no slot before the next price update has room".into(),
            ));
        };
        let liquidation = names(
            tx,
            options_margin::instruction::PartialLiquidate::DISCRIMINATOR,
        );
        let bankruptcy = names(
            tx,
            options_margin::instruction::ResolveBankruptcy::DISCRIMINATOR,
        );
        let just_enough = if liquidation {
            self.just_enough(tx).await
        } else {
            Vec::new()
        };
        let sig = tx.signatures.first().copied().unwrap_or_default();
        let known = self.state.borrow().simulated.contains_key(&sig);
        if (liquidation || bankruptcy) && !known {
            Chain::simulate(self, tx).await?;
        }
        let result = Chain::send(self.inner, tx).await;
        let mut s = self.state.borrow_mut();
        let events = s.simulated.remove(&sig).unwrap_or_default();
        let l = &mut s.ledger;
        l.transactions += 1;
        l.cu_requested += cu;
        if result.is_err() {
            l.failed += 1;
            return result;
        }
        if liquidation {
            l.liquidation_transactions += 1;
            l.delay_slots_total += delay;
            l.delay_slots_max = l.delay_slots_max.max(delay);
            // One event per call; the SDK sends one call per transaction.
            if let Some(event) = find_event::<LiquidationEvent>(&events) {
                l.liquidations.push(Landed {
                    event,
                    just_enough_quantity: just_enough.first().copied().unwrap_or(0),
                    delay_slots: delay,
                });
            }
        }
        if bankruptcy {
            if let Some(e) = find_event::<BankruptcyEvent>(&events) {
                l.bankruptcies.push(e);
            }
        }
        result
    }

    async fn rent_exempt_lamports(&self, len: usize) -> ClientResult<u64> {
        self.inner.rent_exempt_lamports(len).await
    }
}
