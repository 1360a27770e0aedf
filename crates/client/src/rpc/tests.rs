//! Unit tests of the RPC back-end: no network (the client's mock sender).

use super::*;

use anchor_lang::event::EVENT_IX_TAG_LE;
use serde_json::{json, Value};
use solana_instruction::error::InstructionError;
use solana_keypair::Keypair;
use solana_message::v0::{self, MessageAddressTableLookup};
use solana_message::{MessageHeader, VersionedMessage};
use solana_rpc_client::mock_sender::{MocksMap, PUBKEY};
use solana_rpc_client_api::request::RpcRequest;
use solana_rpc_client_api::response::{
    ParsedInstruction, UiCompiledInstruction, UiPartiallyDecodedInstruction, UiTransactionError,
};
use solana_sdk_ids::{compute_budget, system_program, sysvar};
use solana_signer::Signer;
use solana_transaction::Transaction;

const CUSTOM: TransactionError =
    TransactionError::InstructionError(2, InstructionError::Custom(6042));
const OM: Pubkey = options_margin::ID;

fn key(n: u8) -> Pubkey {
    Pubkey::new_from_array([n; 32])
}

/// An `emit_cpi!` instruction's data, base58 as the node sends it.
fn event(payload: &[u8]) -> String {
    bs58::encode([EVENT_IX_TAG_LE, payload].concat()).into_string()
}

/// A v0 transaction: static keys [payer, a router program, compute
/// budget]; one lookup loading a writable account, then options-margin
/// read-only (index 4, which the router invokes).
fn v0_tx() -> VersionedTransaction {
    let message = v0::Message {
        header: MessageHeader {
            num_required_signatures: 1,
            num_readonly_signed_accounts: 0,
            num_readonly_unsigned_accounts: 2,
        },
        account_keys: vec![key(1), key(2), compute_budget::ID],
        address_table_lookups: vec![MessageAddressTableLookup {
            account_key: key(9),
            writable_indexes: vec![0],
            readonly_indexes: vec![1],
        }],
        ..v0::Message::default()
    };
    VersionedTransaction {
        signatures: vec![Signature::default()],
        message: VersionedMessage::V0(message),
    }
}

fn loaded_json() -> Value {
    json!({ "writable": [key(7).to_string()], "readonly": [OM.to_string()] })
}

fn sim(fields: Value) -> RpcSimulateTransactionResult {
    serde_json::from_value(fields).expect("a simulation result")
}

fn compiled_json(program_id_index: u8, data: String) -> Value {
    json!({ "programIdIndex": program_id_index, "accounts": [], "data": data, "stackHeight": 2 })
}

fn inner_json(instructions: Vec<Value>) -> Value {
    json!([{ "index": 0, "instructions": instructions }])
}

fn mock_chain(url: &str, mocks: Vec<(RpcRequest, Value)>) -> RpcChain {
    RpcChain::from_client(RpcClient::new_mock_with_mocks_map(
        url,
        mocks.into_iter().collect::<MocksMap>(),
    ))
}

fn ctx(value: Value) -> Value {
    json!({ "context": { "slot": 1 }, "value": value })
}

fn ui_account(data: &[u8], owner: &Pubkey) -> Value {
    json!({ "lamports": 1_000, "data": [BASE64_STANDARD.encode(data), "base64"], "owner": owner.to_string(),
            "executable": false, "rentEpoch": 0, "space": data.len() })
}

fn signed_tx() -> VersionedTransaction {
    let payer = Keypair::new();
    Transaction::new_signed_with_payer(&[], Some(&payer.pubkey()), &[&payer], Hash::default())
        .into()
}

fn response_error(code: i64, data: RpcResponseErrorData) -> RpcClientError {
    RpcError::RpcResponseError {
        code,
        message: "the node's message".into(),
        data,
    }
    .into()
}

fn preflight(err: TransactionError) -> RpcClientError {
    let result = sim(
        json!({ "err": UiTransactionError::from(err), "logs": ["Program log: AccountHealthy"] }),
    );
    response_error(
        -32002,
        RpcResponseErrorData::SendTransactionPreflightFailure(result),
    )
}

#[test]
fn filters_map_to_the_rpc_spelling_with_base64_memcmp() {
    let owner = key(5);
    let rpc = rpc_filters(&[
        AccountFilter::DataSize(165),
        AccountFilter::Memcmp {
            offset: 8,
            bytes: vec![1, 2, 3],
        },
        AccountFilter::Memcmp {
            offset: 40,
            bytes: owner.to_bytes().to_vec(),
        },
    ])
    .unwrap();
    assert_eq!(rpc[0], RpcFilterType::DataSize(165));
    assert_eq!(
        rpc[1],
        RpcFilterType::Memcmp(Memcmp::new(8, MemcmpEncodedBytes::Base64("AQID".into())))
    );
    let RpcFilterType::Memcmp(m) = &rpc[2] else {
        panic!("memcmp expected")
    };
    assert_eq!(
        (m.offset(), m.bytes().unwrap().as_slice()),
        (40, owner.as_ref())
    );
    let wire = json!([{ "dataSize": 165 }, { "memcmp": { "offset": 8, "bytes": "AQID", "encoding": "base64" } }]);
    assert_eq!(serde_json::to_value(&rpc[..2]).unwrap(), wire);
    // The node takes at most 128 bytes per memcmp: refused before sending.
    let memcmp = |len| AccountFilter::Memcmp {
        offset: 0,
        bytes: vec![7; len],
    };
    assert!(matches!(
        rpc_filters(&[memcmp(129)]),
        Err(ClientError::Input(_))
    ));
    assert!(rpc_filters(&[memcmp(128)]).is_ok());
}

#[test]
fn monikers_map_to_cluster_urls_and_urls_pass_through() {
    let (mainnet, devnet, testnet, local) = (
        "https://api.mainnet-beta.solana.com",
        "https://api.devnet.solana.com",
        "https://api.testnet.solana.com",
        "http://127.0.0.1:8899",
    );
    for (given, url) in [
        ("mainnet-beta", mainnet),
        ("m", mainnet),
        ("devnet", devnet),
        ("d", devnet),
        ("testnet", testnet),
        ("t", testnet),
        ("localhost", local),
        ("l", local),
        (
            "https://rpc.example.com/?key=x",
            "https://rpc.example.com/?key=x",
        ),
        ("mainnet", "mainnet"),
    ] {
        assert_eq!(url_from_moniker(given), url, "{given}");
    }
}

#[test]
fn inner_instructions_become_events_through_the_loaded_addresses() {
    let data = |payload: &[u8]| [EVENT_IX_TAG_LE, payload].concat();
    let compiled = |program_id_index, data: Vec<u8>| {
        UiInstruction::Compiled(UiCompiledInstruction {
            program_id_index,
            accounts: vec![],
            data: bs58::encode(data).into_string(),
            stack_height: Some(2),
        })
    };
    let partially_decoded = UiParsedInstruction::PartiallyDecoded(UiPartiallyDecodedInstruction {
        program_id: OM.to_string(),
        accounts: vec![],
        data: bs58::encode(data(b"second")).into_string(),
        stack_height: Some(2),
    });
    let system_transfer = UiParsedInstruction::Parsed(ParsedInstruction {
        program: "system".into(),
        program_id: system_program::ID.to_string(),
        parsed: json!({ "type": "transfer" }),
        stack_height: Some(2),
    });
    let result = RpcSimulateTransactionResult {
        err: Some(UiTransactionError::from(CUSTOM)),
        logs: Some(vec!["Program log: hello".into()]),
        accounts: None,
        units_consumed: Some(12_345),
        loaded_accounts_data_size: None,
        return_data: None,
        inner_instructions: Some(vec![
            UiInnerInstructions {
                index: 1,
                instructions: vec![
                    compiled(4, data(b"first")),  // options-margin, from the table
                    compiled(1, data(b"router")), // the tag, but not options-margin
                    compiled(4, vec![9; 12]),     // options-margin, not an event
                    UiInstruction::Parsed(system_transfer),
                ],
            },
            UiInnerInstructions {
                index: 2,
                instructions: vec![UiInstruction::Parsed(partially_decoded)],
            },
        ]),
        replacement_blockhash: None,
        fee: None,
        pre_balances: None,
        post_balances: None,
        pre_token_balances: None,
        post_token_balances: None,
        loaded_addresses: Some(serde_json::from_value(loaded_json()).unwrap()),
    };
    let s = simulation_from_result(&v0_tx(), result).unwrap();
    assert_eq!(
        (s.units, s.logs, s.error),
        (12_345, vec!["Program log: hello".to_string()], Some(CUSTOM))
    );
    assert_eq!(s.events, vec![b"first".to_vec(), b"second".to_vec()]);
}

#[test]
fn without_loaded_addresses_only_static_keys_resolve() {
    let partially_decoded =
        json!({ "programId": OM.to_string(), "accounts": [], "data": event(b"kept") });
    let result = sim(
        json!({ "innerInstructions": inner_json(vec![compiled_json(4, event(b"lost")), partially_decoded]) }),
    );
    let s = simulation_from_result(&v0_tx(), result).unwrap();
    // Index 4 names nothing without the table; a partially decoded
    // instruction names its program and is still found.
    assert_eq!(
        (s.units, s.error, s.events),
        (0, None, vec![b"kept".to_vec()])
    );
    let statics = vec![key(1), key(2), compute_budget::ID];
    assert_eq!(simulation_keys(&v0_tx(), None).unwrap(), statics);
    let loaded = serde_json::from_value(loaded_json()).unwrap();
    assert_eq!(
        simulation_keys(&v0_tx(), Some(&loaded)).unwrap(),
        [statics, vec![key(7), OM]].concat()
    );
}

#[test]
fn malformed_simulation_answers_are_chain_errors_not_panics() {
    for bad in [
        json!({ "innerInstructions": inner_json(vec![compiled_json(1, "0OIl".into())]) }),
        json!({ "innerInstructions": inner_json(vec![json!({ "programId": "?", "accounts": [], "data": "" })]) }),
        json!({ "loadedAddresses": { "writable": ["x"], "readonly": [] } }),
    ] {
        assert!(matches!(
            simulation_from_result(&v0_tx(), sim(bad)),
            Err(ClientError::Chain(_))
        ));
    }
    // An index past the keys is no event, not an out-of-bounds read.
    let far =
        sim(json!({ "innerInstructions": inner_json(vec![compiled_json(255, event(b"x"))]) }));
    assert!(simulation_from_result(&v0_tx(), far)
        .unwrap()
        .events
        .is_empty());
}

#[test]
fn send_errors_keep_logs_and_only_transient_ones_are_retried() {
    let failure = send_failure(&preflight(CUSTOM)).unwrap();
    assert!(!failure.transient);
    assert!(matches!(failure.error, ClientError::Transaction(e, logs)
        if e == CUSTOM && logs == ["Program log: AccountHealthy"]));
    assert!(
        send_failure(&preflight(TransactionError::BlockhashNotFound))
            .unwrap()
            .transient
    );
    assert!(send_failure(&preflight(TransactionError::AlreadyProcessed)).is_none());
    let unhealthy = response_error(
        -32005,
        RpcResponseErrorData::NodeUnhealthy {
            num_slots_behind: Some(42),
        },
    );
    let timeout = std::io::Error::new(std::io::ErrorKind::TimedOut, "timed out").into();
    for e in [unhealthy, timeout] {
        let f = send_failure(&e).unwrap();
        assert!(
            f.transient && matches!(f.error, ClientError::Chain(_)),
            "{f:?}"
        );
    }
    let f = send_failure(&response_error(-32003, RpcResponseErrorData::Empty)).unwrap();
    assert!(!f.transient);
    assert!(
        matches!(&f.error, ClientError::Chain(m) if m.starts_with("sendTransaction: ")
        && m.contains("the node's message")),
        "{f:?}"
    );
}

#[tokio::test]
async fn accounts_are_fetched_100_at_a_time_in_order() {
    let keys: Vec<Pubkey> = (0..150u8).map(key).collect();
    let (mut first, mut second) = (vec![Value::Null; 100], vec![Value::Null; 50]);
    first[0] = ui_account(&[1, 2, 3], &OM);
    second[49] = ui_account(&[4], &OM);
    let chain = mock_chain(
        "succeeds",
        vec![
            (RpcRequest::GetMultipleAccounts, ctx(json!(first))),
            (RpcRequest::GetMultipleAccounts, ctx(json!(second))),
        ],
    );
    let accounts = chain.accounts(&keys).await.unwrap();
    assert_eq!(accounts.len(), 150);
    assert_eq!(accounts.iter().flatten().count(), 2);
    let (a, b) = (
        accounts[0].as_ref().unwrap(),
        accounts[149].as_ref().unwrap(),
    );
    assert_eq!(
        (a.data.as_slice(), a.owner, a.lamports, b.data.as_slice()),
        (&[1, 2, 3][..], OM, 1_000, &[4][..])
    );
    assert!(chain.accounts(&[]).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_short_or_undecodable_answer_is_a_chain_error() {
    // The mock answers two accounts whatever is asked.
    let err = mock_chain("succeeds", vec![])
        .accounts(&[key(1), key(2), key(3)])
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ClientError::Chain(m) if m.starts_with("getMultipleAccounts")),
        "{err}"
    );
    let json_parsed = json!({ "lamports": 1, "data": { "program": "spl-token", "parsed": {}, "space": 165 },
                              "owner": key(3).to_string(), "executable": false, "rentEpoch": 0 });
    let chain = mock_chain(
        "succeeds",
        vec![(RpcRequest::GetAccountInfo, ctx(json_parsed))],
    );
    assert!(matches!(
        chain.account(&key(1)).await,
        Err(ClientError::Chain(_))
    ));
    assert!(chain.account(&key(1)).await.unwrap().is_none());
}

#[tokio::test]
async fn program_accounts_clock_rent_and_blockhash_decode() {
    let listed = json!([{ "pubkey": key(4).to_string(), "account": ui_account(&[8; 16], &OM) }]);
    let clock = Clock {
        slot: 77,
        epoch_start_timestamp: 1,
        epoch: 2,
        leader_schedule_epoch: 3,
        unix_timestamp: 1_721_133_400,
    };
    let clock_data = bincode::serialize(&clock).unwrap();
    assert_eq!(
        clock_data.len(),
        40,
        "the Clock sysvar is five 8-byte fields"
    );
    let chain = mock_chain(
        "succeeds",
        vec![
            (RpcRequest::GetProgramAccounts, listed),
            (
                RpcRequest::GetAccountInfo,
                ctx(ui_account(&clock_data, &sysvar::ID)),
            ),
            (
                RpcRequest::GetAccountInfo,
                ctx(ui_account(&[0; 12], &sysvar::ID)),
            ),
        ],
    );
    let found = chain
        .program_accounts(&OM, &[AccountFilter::DataSize(16)])
        .await
        .unwrap();
    assert_eq!(
        found
            .iter()
            .map(|(k, a)| (*k, a.data.len()))
            .collect::<Vec<_>>(),
        [(key(4), 16)]
    );
    let read = chain.clock().await.unwrap();
    assert_eq!((read.slot, read.unix_timestamp), (77, 1_721_133_400));
    assert!(matches!(chain.clock().await, Err(ClientError::Chain(_))));
    assert_eq!(chain.rent_exempt_lamports(100).await.unwrap(), 20);
    assert_eq!(chain.latest_blockhash().await.unwrap().to_string(), PUBKEY);
}

#[tokio::test]
async fn simulate_reads_units_logs_error_and_events() {
    let answer = ctx(json!({
        "err": { "InstructionError": [2, { "Custom": 6042 }] },
        "logs": ["Program log: x"],
        "unitsConsumed": 999,
        "innerInstructions": inner_json(vec![compiled_json(4, event(b"ev"))]),
        "loadedAddresses": loaded_json(),
    }));
    let s = mock_chain("succeeds", vec![(RpcRequest::SimulateTransaction, answer)])
        .simulate(&v0_tx())
        .await
        .unwrap();
    assert_eq!(
        (s.units, s.logs.len(), s.error, s.events),
        (999, 1, Some(CUSTOM), vec![b"ev".to_vec()])
    );
}

#[tokio::test]
async fn send_waits_for_the_commitment() {
    let tx = signed_tx();
    // Processed first (below the client's `finalized`), then the mock's finalized status.
    let processed = json!([{ "slot": 1, "confirmations": 0, "status": { "Ok": null }, "err": null, "confirmationStatus": "processed" }]);
    let chain = mock_chain(
        "succeeds",
        vec![(RpcRequest::GetSignatureStatuses, ctx(processed))],
    );
    assert_eq!(chain.send(&tx).await.unwrap(), tx.signatures[0]);
}

#[tokio::test]
async fn a_landed_failure_comes_back_with_its_logs() {
    let meta = json!({ "err": null, "status": { "Ok": null }, "fee": 5000, "preBalances": [], "postBalances": [],
                       "logMessages": ["Program log: failed here"] });
    let landed =
        json!({ "slot": 2, "transaction": ["", "base64"], "meta": meta, "blockTime": null });
    // The mock's statuses carry this error.
    let chain = mock_chain(
        "instruction_error",
        vec![(RpcRequest::GetTransaction, landed)],
    );
    let err = chain.send(&signed_tx()).await.unwrap_err();
    assert!(
        matches!(err, ClientError::Transaction(TransactionError::InstructionError(0, InstructionError::UninitializedAccount), logs)
        if logs == ["Program log: failed here"])
    );
}

#[tokio::test]
async fn an_unseen_transaction_stops_when_its_blockhash_expires() {
    let tx = signed_tx();
    let chain = mock_chain(
        "sig_not_found",
        vec![
            // An empty status list is "not seen", not an index panic.
            (RpcRequest::GetSignatureStatuses, ctx(json!([]))),
            (RpcRequest::IsBlockhashValid, ctx(json!(false))),
        ],
    );
    let err = chain.send(&tx).await.unwrap_err();
    assert!(
        matches!(&err, ClientError::Chain(m) if m.contains("expired")),
        "{err}"
    );
    let unsigned = VersionedTransaction {
        signatures: vec![],
        ..tx
    };
    assert!(matches!(
        chain.send(&unsigned).await,
        Err(ClientError::Input(_))
    ));
}
