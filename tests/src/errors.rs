//! Exact error assertions.

use solana_instruction::error::InstructionError;
use solana_transaction_error::TransactionError;

/// The custom error code carried by a failed transaction, if any.
pub fn custom_code(err: &TransactionError) -> Option<u32> {
    match err {
        TransactionError::InstructionError(_, InstructionError::Custom(code)) => Some(*code),
        _ => None,
    }
}

/// Asserts that `$result` (a `Result<_, TransactionError>`) failed with the
/// custom code of `$code`: a program `ErrorCode`, an Anchor framework
/// `anchor_lang::error::ErrorCode`, or a raw `u32` (e.g. an SPL error).
#[macro_export]
macro_rules! assert_error_code {
    ($result:expr, $code:expr) => {{
        let expected: u32 = $crate::errors::ToCode::to_code($code);
        match $result {
            Ok(_) => panic!(
                "expected error code {} but the transaction succeeded",
                expected
            ),
            Err(ref e) => assert_eq!(
                $crate::errors::custom_code(e),
                Some(expected),
                "expected custom error code {} ({:?}), got {:?}",
                expected,
                $code,
                e
            ),
        }
    }};
}

/// Anything that names a custom error code.
pub trait ToCode {
    fn to_code(self) -> u32;
}

impl ToCode for options_margin::error::ErrorCode {
    fn to_code(self) -> u32 {
        anchor_lang::error::ERROR_CODE_OFFSET + self as u32
    }
}

impl ToCode for anchor_lang::error::ErrorCode {
    fn to_code(self) -> u32 {
        self as u32
    }
}

impl ToCode for u32 {
    fn to_code(self) -> u32 {
        self
    }
}
