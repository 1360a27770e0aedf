//! Client errors, with the program's own error names and messages (read
//! from the committed IDL, the one the program generates), never raw hex.

use std::sync::OnceLock;

use solana_instruction::error::InstructionError;
use solana_transaction_error::TransactionError;

/// The IDL the program generates (`scripts/build-idl.sh`); CI fails when it
/// differs from the code.
pub const IDL_JSON: &str = include_str!("../../../idl/options_margin.json");

/// What went wrong in a client call.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The transaction ran and failed.
    #[error("transaction failed: {}", describe_transaction_error(.0))]
    Transaction(TransactionError, Vec<String>),
    /// The chain could not be reached or answered nonsense.
    #[error("chain: {0}")]
    Chain(String),
    /// An account the call needs does not exist.
    #[error("account {0} not found")]
    AccountNotFound(anchor_lang::prelude::Pubkey),
    /// An account exists but is not what the call expected.
    #[error("account {0}: {1}")]
    BadAccount(anchor_lang::prelude::Pubkey, String),
    /// The caller's input is wrong (nothing was sent).
    #[error("{0}")]
    Input(String),
    /// The program's own code refused the computation off-chain.
    #[error("risk check: {0}")]
    Program(String),
}

pub type ClientResult<T> = Result<T, ClientError>;

impl ClientError {
    /// The custom error code of a failed transaction, if it carries one.
    pub fn custom_code(&self) -> Option<u32> {
        match self {
            ClientError::Transaction(e, _) => custom_code(e),
            _ => None,
        }
    }

    /// The program's error of a failed transaction, if it is one (its
    /// `is_race_lost`, `is_stale_input` and `is_bug` tell a bot what to do).
    pub fn program_error(&self) -> Option<options_margin::error::ErrorCode> {
        self.custom_code()
            .and_then(options_margin::error::ErrorCode::from_code)
    }

    /// True when the program's own check, run off-chain, refused stale
    /// series vectors (too old, computed at another price band or
    /// volatility): a refresh fixes it.
    pub fn needs_refresh(&self) -> bool {
        use options_margin::error::ErrorCode as E;
        let stale = [
            E::StaleSeriesRisk,
            E::PriceMovedSinceRefresh,
            E::VolatilityChangedSinceRefresh,
        ];
        match self {
            ClientError::Program(m) => stale.iter().any(|e| m.contains(&format!("{e:?}"))),
            other => other
                .program_error()
                .is_some_and(|e| stale.iter().any(|s| *s as u32 == e as u32)),
        }
    }

    /// The program error name of a failed transaction (`AccountHealthy`, …).
    pub fn program_error_name(&self) -> Option<&'static str> {
        self.custom_code()
            .and_then(|c| error_by_code(c).map(|e| e.name))
    }
}

impl From<anchor_lang::error::Error> for ClientError {
    fn from(e: anchor_lang::error::Error) -> Self {
        ClientError::Program(e.to_string())
    }
}

/// The custom error code carried by a failed transaction, if any.
pub fn custom_code(err: &TransactionError) -> Option<u32> {
    match err {
        TransactionError::InstructionError(_, InstructionError::Custom(code)) => Some(*code),
        _ => None,
    }
}

/// One error the program (or Anchor) can return.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KnownError {
    pub code: u32,
    pub name: &'static str,
    pub msg: &'static str,
}

/// Anchor framework errors a client meets in practice (the rest print their code).
const ANCHOR_ERRORS: &[KnownError] = &[
    KnownError {
        code: 100,
        name: "InstructionMissing",
        msg: "Instruction discriminator not provided",
    },
    KnownError {
        code: 101,
        name: "InstructionFallbackNotFound",
        msg: "Fallback functions are not supported",
    },
    KnownError {
        code: 102,
        name: "InstructionDidNotDeserialize",
        msg: "The program could not deserialize the given instruction",
    },
    KnownError {
        code: 2000,
        name: "ConstraintMut",
        msg: "A mut constraint was violated",
    },
    KnownError {
        code: 2001,
        name: "ConstraintHasOne",
        msg: "A has one constraint was violated",
    },
    KnownError {
        code: 2002,
        name: "ConstraintSigner",
        msg: "A signer constraint was violated",
    },
    KnownError {
        code: 2003,
        name: "ConstraintRaw",
        msg: "A raw constraint was violated",
    },
    KnownError {
        code: 2006,
        name: "ConstraintSeeds",
        msg: "A seeds constraint was violated",
    },
    KnownError {
        code: 2012,
        name: "ConstraintAddress",
        msg: "An address constraint was violated",
    },
    KnownError {
        code: 2014,
        name: "ConstraintTokenMint",
        msg: "A token mint constraint was violated",
    },
    KnownError {
        code: 2015,
        name: "ConstraintTokenOwner",
        msg: "A token owner constraint was violated",
    },
    KnownError {
        code: 3001,
        name: "AccountDiscriminatorNotFound",
        msg: "No discriminator was found on the account",
    },
    KnownError {
        code: 3002,
        name: "AccountDiscriminatorMismatch",
        msg: "Account discriminator did not match what was expected",
    },
    KnownError {
        code: 3005,
        name: "AccountNotEnoughKeys",
        msg: "Not enough account keys given to the instruction",
    },
    KnownError {
        code: 3006,
        name: "AccountNotMutable",
        msg: "The given account is not mutable",
    },
    KnownError {
        code: 3007,
        name: "AccountOwnedByWrongProgram",
        msg: "The given account is owned by a different program than expected",
    },
    KnownError {
        code: 3010,
        name: "AccountNotSigner",
        msg: "The given account did not sign",
    },
    KnownError {
        code: 3012,
        name: "AccountNotInitialized",
        msg: "The program expected this account to be already initialized",
    },
];

/// The program's errors, from the IDL (parsed once).
fn program_errors() -> &'static [KnownError] {
    static ERRORS: OnceLock<Vec<KnownError>> = OnceLock::new();
    ERRORS.get_or_init(|| {
        let idl: serde_json::Value =
            serde_json::from_str(IDL_JSON).expect("the committed IDL is JSON");
        idl["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .filter_map(|e| {
                        Some(KnownError {
                            code: u32::try_from(e["code"].as_u64()?).ok()?,
                            name: leak(e["name"].as_str()?),
                            msg: leak(e["msg"].as_str().unwrap_or("")),
                        })
                    })
                    .collect()
            })
            .unwrap_or_default()
    })
}

fn leak(s: &str) -> &'static str {
    Box::leak(s.to_owned().into_boxed_str())
}

/// The program or Anchor error with this custom code, if it is one.
pub fn error_by_code(code: u32) -> Option<KnownError> {
    program_errors()
        .iter()
        .chain(ANCHOR_ERRORS)
        .find(|e| e.code == code)
        .copied()
}

/// "instruction 2: AccountHealthy (6042): The account is healthy", or the
/// runtime's own description for errors that are not custom codes.
pub fn describe_transaction_error(err: &TransactionError) -> String {
    match err {
        TransactionError::InstructionError(i, InstructionError::Custom(code)) => {
            match error_by_code(*code) {
                Some(e) => format!("instruction {i}: {} ({}): {}", e.name, e.code, e.msg),
                None => format!("instruction {i}: custom error {code} (0x{code:x})"),
            }
        }
        TransactionError::InstructionError(i, e) => format!("instruction {i}: {e}"),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every error of the committed IDL maps back to the program's variant
    /// of the same name (so `ErrorCode::ALL` misses none), and prints its message.
    #[test]
    fn every_idl_error_maps_to_its_variant() {
        let errors = program_errors();
        assert_eq!(errors.len(), options_margin::error::ALL.len());
        for e in errors {
            let variant = options_margin::error::ErrorCode::from_code(e.code)
                .unwrap_or_else(|| panic!("{} ({}) is not in ErrorCode::ALL", e.name, e.code));
            assert_eq!(format!("{variant:?}"), e.name);
            assert_eq!(error_by_code(e.code), Some(*e));
        }
        let failed =
            TransactionError::InstructionError(2, InstructionError::Custom(errors[0].code));
        assert!(describe_transaction_error(&failed).contains(errors[0].name));
    }
}
