//! `attuned`: the daemon (no subcommand), and offline tools (`render`, `presets`,
//! `teacher-dataset`). Parses arguments and calls the library (`attuned::cli`).

use clap::Parser;
use std::process::ExitCode;

/// Debug builds check the audio callback: an allocation inside it aborts (see
/// `audio::callback::guarded`).
#[cfg(all(feature = "realtime-guard", debug_assertions))]
#[global_allocator]
static ALLOCATOR: assert_no_alloc::AllocDisabler = assert_no_alloc::AllocDisabler;

fn main() -> ExitCode {
    attuned::logging::init();
    attuned::cli::Cli::parse().run()
}
