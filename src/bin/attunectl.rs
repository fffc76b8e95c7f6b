//! `attunectl`: parse arguments, call the library, print errors.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    // `attunectl status | head -1`: when the reader goes away, end quietly as command-line
    // tools do (killed by SIGPIPE, 141 in the shell) instead of panicking on the write.
    // SAFETY: restoring a signal's default disposition before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
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
