//! Account sizes and rent, as quoted in the README.

use options_margin::state::{Collateral, Exchange, MarginAccount};
use options_margin_tests::bench::program_test;
use options_margin_tests::TestBench;

#[tokio::test]
async fn account_sizes_and_rent() {
    let bench = TestBench::start(program_test()).await;
    let rent = bench.ctx.banks_client.get_rent().await.unwrap();
    let table = [
        ("Exchange", Exchange::SPACE, 752, 6_124_800),
        ("Collateral", Collateral::SPACE, 320, 3_118_080),
        ("MarginAccount", MarginAccount::SPACE, 3_032, 21_993_600),
        ("vault", 165, 165, 2_039_280),
    ];
    for (name, space, bytes, lamports) in table {
        assert_eq!(space, bytes, "{name} size");
        assert_eq!(rent.minimum_balance(space), lamports, "{name} rent");
    }
}

#[tokio::test]
async fn option_account_sizes_and_rent() {
    use options_margin::state::{Series, Underlying};
    let bench = TestBench::start(program_test()).await;
    let rent = bench.ctx.banks_client.get_rent().await.unwrap();
    for (name, space, bytes, lamports) in [
        ("Underlying", Underlying::SPACE, 296, 2_951_040),
        ("Series", Series::SPACE, 568, 4_844_160),
    ] {
        assert_eq!(space, bytes, "{name} size");
        assert_eq!(rent.minimum_balance(space), lamports, "{name} rent");
    }
}
