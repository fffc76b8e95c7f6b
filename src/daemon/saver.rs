//! State saving off the core: the core publishes the state it wants kept; this task writes
//! it at most once per [`SAVE_INTERVAL`] (atomically, on a blocking thread) and always
//! writes the last one before it ends.

use crate::state::State;
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::{oneshot, watch};

/// At most one write per interval: a volume slider dragged makes one write, not fifty.
pub const SAVE_INTERVAL: Duration = Duration::from_secs(1);

/// The saver task: ends (after a last write of anything unsaved) once `state`'s sender is
/// dropped; `flush` cuts a pending wait short at shutdown.
pub fn spawn(
    path: PathBuf,
    mut state: watch::Receiver<State>,
    mut flush: oneshot::Receiver<()>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut flushing = false;
        while state.changed().await.is_ok() {
            let s = state.borrow_and_update().clone();
            let p = path.clone();
            let written = tokio::task::spawn_blocking(move || {
                super::background::lower_this_thread();
                s.save(&p)
            })
            .await;
            match written {
                Ok(Ok(())) => {}
                Ok(Err(e)) => tracing::warn!("{}: cannot save state: {e}", path.display()),
                Err(e) => tracing::warn!("{}: saving state failed: {e}", path.display()),
            }
            if !flushing {
                tokio::select! {
                    _ = tokio::time::sleep(SAVE_INTERVAL) => {}
                    _ = &mut flush => flushing = true,
                }
            }
        }
    })
}
