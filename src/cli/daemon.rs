//! `attuned` without a command: the daemon, until a signal.

use std::path::PathBuf;

/// Run the daemon until SIGTERM, SIGINT or SIGHUP. SIGHUP (the terminal of
/// `scripts/run.sh` closing) is taken like SIGTERM: the music fades out and the daemon exits
/// 0, instead of being cut off by the default action.
pub fn run(
    config: Option<PathBuf>,
    state: Option<PathBuf>,
    record: Option<PathBuf>,
) -> Result<(), String> {
    let config_path = config.or_else(crate::config::Config::default_path);
    let config = match &config_path {
        Some(p) => crate::config::Config::load(p).map_err(|e| e.to_string())?,
        None => crate::config::Config::default(),
    };
    let opts = crate::daemon::DaemonOptions {
        config,
        state_path: state.or_else(crate::state::State::default_path),
        preset_dir: None,
        record,
    };
    // Two workers: the D-Bus connection's tasks answer property reads while the core's
    // owner task ticks or installs a preset.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("attuned-rt")
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate()).map_err(|e| e.to_string())?;
        let mut int = signal(SignalKind::interrupt()).map_err(|e| e.to_string())?;
        let mut hup = signal(SignalKind::hangup()).map_err(|e| e.to_string())?;
        let shutdown = async move {
            let name = tokio::select! {
                _ = term.recv() => "SIGTERM",
                _ = int.recv() => "SIGINT",
                _ = hup.recv() => "SIGHUP",
            };
            tracing::info!("{name}: exiting");
        };
        crate::daemon::run(opts, shutdown)
            .await
            .map_err(|e| e.to_string())
    })
}
