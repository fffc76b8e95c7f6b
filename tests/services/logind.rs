//! A logind-shaped service on the private "system" bus: `org.freedesktop.login1` with the
//! two Manager methods the daemon uses. It counts `Suspend` calls, and hands out each
//! inhibitor as one end of a socket pair whose other end it keeps, so a test sees when the
//! daemon lets an inhibitor go (its end closes) as logind would.

#![allow(dead_code)]

use std::io::Read;
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use zbus::{fdo, interface};

#[derive(Default)]
struct Calls {
    suspends: AtomicU32,
    /// (what, mode, our end) for every inhibitor handed out.
    inhibitors: Mutex<Vec<(String, String, UnixStream)>>,
}

struct Manager(Arc<Calls>);

#[interface(name = "org.freedesktop.login1.Manager")]
impl Manager {
    fn suspend(&self, _interactive: bool) {
        self.0.suspends.fetch_add(1, Ordering::SeqCst);
    }

    fn inhibit(
        &self,
        what: String,
        _who: String,
        _why: String,
        mode: String,
    ) -> fdo::Result<zbus::zvariant::OwnedFd> {
        let (ours, theirs) = UnixStream::pair().map_err(|e| fdo::Error::Failed(e.to_string()))?;
        ours.set_nonblocking(true)
            .map_err(|e| fdo::Error::Failed(e.to_string()))?;
        self.0.inhibitors.lock().unwrap().push((what, mode, ours));
        Ok(std::os::fd::OwnedFd::from(theirs).into())
    }
}

/// The running mock.
pub struct Logind {
    rt: tokio::runtime::Runtime,
    conn: zbus::Connection,
    calls: Arc<Calls>,
}

impl Logind {
    pub fn start(bus: &str) -> Logind {
        let calls = Arc::new(Calls::default());
        let manager = Manager(calls.clone());
        let (rt, conn) = super::serve(
            bus,
            "/org/freedesktop/login1",
            "org.freedesktop.login1",
            manager,
        );
        Logind { rt, conn, calls }
    }

    /// `Suspend` calls so far.
    pub fn suspends(&self) -> u32 {
        self.calls.suspends.load(Ordering::SeqCst)
    }

    /// Inhibitors handed out so far, as (what, mode).
    pub fn inhibitors_taken(&self) -> Vec<(String, String)> {
        let list = self.calls.inhibitors.lock().unwrap();
        list.iter()
            .map(|(w, m, _)| (w.clone(), m.clone()))
            .collect()
    }

    /// Inhibitors whose holder still keeps them open.
    pub fn inhibitors_held(&self) -> usize {
        let list = self.calls.inhibitors.lock().unwrap();
        list.iter()
            .filter(|(_, _, ours)| {
                let (mut ours, mut byte) = (ours, [0u8; 1]);
                // Closed by the holder: end of stream. Still held: nothing to read yet.
                !matches!(ours.read(&mut byte), Ok(0))
            })
            .count()
    }
}
