//! `attunectl`: parse arguments, call the library, print errors.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = attuned::ctl::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("attunectl: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(attuned::ctl::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("attunectl: {e}");
            ExitCode::FAILURE
        }
    }
}
