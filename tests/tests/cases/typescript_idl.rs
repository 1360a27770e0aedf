//! The committed IDL (`idl/options_margin.json`) proven from TypeScript:
//! this case writes fixtures from the SDK and from real transactions (see
//! [`instructions`] and [`chain`]) to `target/ts-fixtures/fixtures.json`,
//! then runs the Node check in `ts/` (`ts/src/check-idl.ts`, on
//! `@anchor-lang/core` 1.2) over the committed IDL and those fixtures:
//! every instruction encodes to the SDK's bytes and account metas, every
//! account type and event decodes to the values Rust decodes, and
//! `migrations/deploy.ts` (type-checked by the same `tsc` run) sends what
//! its comment says. It fails when an instruction, account type or event of
//! the IDL has no fixture.
//!
//! Needs Node (>= 20.18) and npm: `npm ci` runs in `ts/` when
//! `ts/node_modules` is missing or older than `ts/package-lock.json`.
//! `OPTIONS_MARGIN_SKIP_TS=1` skips the Node part on a machine without Node
//! (CI has it; without Node and without the variable the case fails).

mod chain;
mod instructions;
mod json;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use json::{Json, ToJson};
use options_margin_tests::bench::sbf_binary_available;

/// The repository root (the workspace).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is in the workspace")
        .to_path_buf()
}

fn run(what: &str, cmd: &mut Command) -> Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what}: could not start: {e}"));
    if !out.status.success() {
        panic!(
            "{what} failed ({}):\n--- stdout\n{}\n--- stderr\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    out
}

fn modified(path: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// Installs `ts/`'s locked packages unless they are there and current.
fn npm_ci(ts: &Path) {
    let installed = modified(&ts.join("node_modules/.package-lock.json"));
    let locked = modified(&ts.join("package-lock.json"));
    if installed.is_some() && installed >= locked {
        return;
    }
    run(
        "npm ci in ts/",
        Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(ts),
    );
}

/// Writes the fixtures where the Node check reads them, atomically (a
/// parallel run may read the same path).
fn write_fixtures(fixtures: &Json) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("the target directory")
        .join("ts-fixtures");
    std::fs::create_dir_all(&dir).expect("fixture directory");
    let path = dir.join("fixtures.json");
    let tmp = dir.join(format!("fixtures.json.{}", std::process::id()));
    std::fs::write(&tmp, fixtures.render()).expect("write fixtures");
    std::fs::rename(&tmp, &path).expect("move fixtures in place");
    path
}

async fn fixtures() -> Json {
    let instructions: Vec<Json> = instructions::all().iter().map(|f| f.to_json()).collect();
    let captured = chain::desk().await;
    let (deployer, deploy) = chain::deploy().await;
    let deploy: Vec<Json> = deploy
        .iter()
        .map(|ix| {
            Json::obj([
                ("program_id", ix.program_id.to_json()),
                ("data", json::hex(&ix.data)),
                ("metas", json::metas(&ix.accounts)),
            ])
        })
        .collect();
    Json::obj([
        ("program_id", options_margin::ID.to_json()),
        ("instructions", Json::Arr(instructions)),
        (
            "accounts",
            Json::Arr(captured.accounts.iter().map(|a| a.to_json()).collect()),
        ),
        (
            "events",
            Json::Arr(captured.events.iter().map(|e| e.to_json()).collect()),
        ),
        (
            "deploy",
            Json::obj([
                ("deployer", deployer.to_json()),
                ("instructions", Json::Arr(deploy)),
            ]),
        ),
    ])
}

#[tokio::test]
async fn the_committed_idl_encodes_and_decodes_from_typescript_as_the_sdk_and_program_do() {
    let path = write_fixtures(&fixtures().await);
    // Against SBF binaries the fixtures are built (the scenario runs on
    // the .so) but the Node part is skipped: the native run of the same
    // suite has already checked the same bytes, and it saves the npm time.
    if sbf_binary_available() {
        println!(
            "SBF run: fixtures at {}, Node check skipped",
            path.display()
        );
        return;
    }
    if std::env::var("OPTIONS_MARGIN_SKIP_TS").as_deref() == Ok("1") {
        println!(
            "OPTIONS_MARGIN_SKIP_TS=1: fixtures at {}, Node check skipped",
            path.display()
        );
        return;
    }
    let node = Command::new("node").arg("--version").output();
    if !node.is_ok_and(|o| o.status.success()) {
        panic!(
            "Node.js (>= 20.18) and npm are needed to check the IDL from TypeScript; \
             install them, or set OPTIONS_MARGIN_SKIP_TS=1 to skip this check"
        );
    }
    let root = root();
    let ts = root.join("ts");
    npm_ci(&ts);
    // Type-checks ts/src and migrations/deploy.ts, and emits them to ts/dist.
    run(
        "tsc -p ts",
        Command::new("npx")
            .args(["--no", "--", "tsc", "-p", "."])
            .current_dir(&ts),
    );
    let out = run(
        "the TypeScript IDL check",
        Command::new("node")
            .arg(ts.join("dist/ts/src/check-idl.js"))
            .arg(root.join("idl/options_margin.json"))
            .arg(&path)
            .current_dir(&root),
    );
    print!("{}", String::from_utf8_lossy(&out.stdout));
}
