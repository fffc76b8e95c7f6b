//! The machine's power, through systemd-logind on the system bus: an *idle* inhibitor held
//! while music plays (only when the listener asks for it, `inhibit_idle = true`; never a
//! sleep inhibitor, so a lid or a power key still suspends), and the suspend a sleep timer
//! may end with. One task owns the bus connection and the inhibitor; the owner sends it
//! what it wants and never waits on the bus. Without logind (no system bus, a container)
//! each request is logged and the music is not disturbed.

use tokio::sync::mpsc;
use zbus::zvariant::OwnedFd;

#[zbus::proxy(
    interface = "org.freedesktop.login1.Manager",
    default_service = "org.freedesktop.login1",
    default_path = "/org/freedesktop/login1"
)]
trait LoginManager {
    fn suspend(&self, interactive: bool) -> zbus::Result<()>;
    fn inhibit(&self, what: &str, who: &str, why: &str, mode: &str) -> zbus::Result<OwnedFd>;
}

/// What the owner asks of the power task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PowerCommand {
    /// Hold the idle inhibitor (true) or let it go (false).
    InhibitIdle(bool),
    /// Suspend the machine now.
    Suspend,
}

/// The owner's side of the power task.
#[derive(Debug)]
pub struct Power {
    commands: mpsc::UnboundedSender<PowerCommand>,
    /// What was last asked, so a request is sent only when it changes.
    inhibiting: bool,
}

impl Power {
    /// Start the power task (on the current tokio runtime).
    pub fn start() -> Power {
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(run(rx));
        Power {
            commands: tx,
            inhibiting: false,
        }
    }

    /// Hold the idle inhibitor or not (sent only when it changes).
    pub fn inhibit_idle(&mut self, on: bool) {
        if on != self.inhibiting {
            self.inhibiting = on;
            let _ = self.commands.send(PowerCommand::InhibitIdle(on));
        }
    }

    /// Ask logind to suspend the machine.
    pub fn suspend(&self) {
        let _ = self.commands.send(PowerCommand::Suspend);
    }
}

async fn run(mut commands: mpsc::UnboundedReceiver<PowerCommand>) {
    let mut manager: Option<LoginManagerProxy<'static>> = None;
    // The inhibitor lasts as long as this descriptor is open.
    let mut inhibitor: Option<OwnedFd> = None;
    while let Some(command) = commands.recv().await {
        if manager.is_none() {
            manager = connect().await;
        }
        let Some(m) = &manager else {
            tracing::warn!("{command:?}: logind is not reachable on the system bus");
            continue;
        };
        let result = match command {
            PowerCommand::InhibitIdle(false) => {
                inhibitor = None;
                Ok(())
            }
            PowerCommand::InhibitIdle(true) if inhibitor.is_some() => Ok(()),
            PowerCommand::InhibitIdle(true) => m
                .inhibit("idle", "attuned", "Playing a soundscape", "block")
                .await
                .map(|fd| inhibitor = Some(fd)),
            PowerCommand::Suspend => {
                tracing::info!("sleep timer: asking logind to suspend");
                m.suspend(false).await
            }
        };
        if let Err(e) = result {
            tracing::warn!("{command:?}: logind: {e}");
            // A bus that went away is reconnected for the next request.
            if matches!(e, zbus::Error::InputOutput(_)) {
                manager = None;
            }
        }
    }
}

async fn connect() -> Option<LoginManagerProxy<'static>> {
    let conn = zbus::Connection::system()
        .await
        .map_err(|e| tracing::warn!("no system bus for logind: {e}"))
        .ok()?;
    LoginManagerProxy::new(&conn)
        .await
        .map_err(|e| tracing::warn!("logind: {e}"))
        .ok()
}
