//! The account-reader seam: margin checks and price reads take any
//! [`AccountRead`], so the program runs them over its `AccountInfo`s and
//! clients (the SDK, the bot, the CLI, the simulator) run the very same
//! code over accounts they fetched ([`KeyedAccount`]), with no test
//! fixtures and to the unit (as Mango's account retriever does for its
//! health). Reads are zero-copy on both sides.

use core::ops::Deref;
use std::cell::Ref;

use anchor_lang::prelude::*;

/// What a margin check or a price read needs of one account.
pub trait AccountRead {
    /// A borrow of the account's data.
    type Data<'a>: Deref<Target = [u8]>
    where
        Self: 'a;

    fn key(&self) -> &Pubkey;
    fn owner(&self) -> &Pubkey;
    fn is_writable(&self) -> bool;
    /// Borrows the data (`AccountBorrowFailed` if it is mutably borrowed).
    fn data(&self) -> Result<Self::Data<'_>>;
}

impl<'info> AccountRead for AccountInfo<'info> {
    type Data<'a>
        = Ref<'a, [u8]>
    where
        Self: 'a;

    fn key(&self) -> &Pubkey {
        self.key
    }
    fn owner(&self) -> &Pubkey {
        self.owner
    }
    fn is_writable(&self) -> bool {
        self.is_writable
    }
    fn data(&self) -> Result<Ref<'_, [u8]>> {
        Ok(Ref::map(self.try_borrow_data()?, |d| &**d))
    }
}

/// A reference reads as what it points to, so clients can check many
/// accounts against one shared set of fetched accounts without copies.
impl<T: AccountRead + ?Sized> AccountRead for &T {
    type Data<'a>
        = T::Data<'a>
    where
        Self: 'a;

    fn key(&self) -> &Pubkey {
        (**self).key()
    }
    fn owner(&self) -> &Pubkey {
        (**self).owner()
    }
    fn is_writable(&self) -> bool {
        (**self).is_writable()
    }
    fn data(&self) -> Result<Self::Data<'_>> {
        (**self).data()
    }
}

/// An account a client fetched: its address, owner and data, the data
/// kept 8-byte aligned (as the runtime aligns it) so zero-copy casts work.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyedAccount {
    pub key: Pubkey,
    pub owner: Pubkey,
    pub is_writable: bool,
    words: Vec<u64>,
    /// unit: bytes.
    len: usize,
}

impl KeyedAccount {
    pub fn new(key: Pubkey, owner: Pubkey, data: &[u8]) -> Self {
        let mut words = vec![0u64; data.len().div_ceil(8)];
        bytemuck::cast_slice_mut::<u64, u8>(&mut words)[..data.len()].copy_from_slice(data);
        Self {
            key,
            owner,
            is_writable: false,
            words,
            len: data.len(),
        }
    }

    /// The account data.
    pub fn bytes(&self) -> &[u8] {
        &bytemuck::cast_slice::<u64, u8>(&self.words)[..self.len]
    }
}

impl AccountRead for KeyedAccount {
    type Data<'a> = &'a [u8];

    fn key(&self) -> &Pubkey {
        &self.key
    }
    fn owner(&self) -> &Pubkey {
        &self.owner
    }
    fn is_writable(&self) -> bool {
        self.is_writable
    }
    fn data(&self) -> Result<&[u8]> {
        Ok(self.bytes())
    }
}

/// A copy of a zero-copy account of type `T` (owner this program,
/// discriminator checked), or `None` when it is not one.
pub fn read_zero_copy<T, A>(account: &A) -> Option<T>
where
    T: bytemuck::Pod + anchor_lang::Discriminator,
    A: AccountRead + ?Sized,
{
    if *account.owner() != crate::ID {
        return None;
    }
    let data = account.data().ok()?;
    let size = 8 + core::mem::size_of::<T>();
    (data.len() >= size && &data[..8] == T::DISCRIMINATOR)
        .then(|| bytemuck::pod_read_unaligned::<T>(&data[8..size]))
}
