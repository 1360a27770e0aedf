use options_margin_tests::*;
