//! `options-margin`: the protocol's command-line client (see `lib.rs`).

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let format = if args
        .windows(2)
        .any(|w| w[0] == "--output" && w[1] == "json")
        || args.iter().any(|a| a == "--output=json")
    {
        options_margin_app::cli::OutputFormat::Json
    } else {
        options_margin_app::cli::OutputFormat::Text
    };
    match options_margin_app::run(args).await {
        Ok(out) => println!("{}", out.render(format).trim_end()),
        Err(options_margin_client::ClientError::Input(msg))
            if msg.starts_with("Usage")
                || msg.contains("\nUsage:")
                || msg.starts_with("options-margin") =>
        {
            // clap's help, version and usage errors print as they are.
            println!("{msg}");
            std::process::exit(if msg.contains("error:") { 2 } else { 0 });
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}
