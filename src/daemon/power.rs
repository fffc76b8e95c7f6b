//! The machine's power, through systemd-logind on the system bus: an *idle* inhibitor held
//! while music plays (only when the listener asks for it, `inhibit_idle = true`; never a
//! sleep inhibitor, so a lid or a power key still suspends), and the suspend a sleep timer
//! may end with. One task owns the bus connection and the inhibitor; the owner sends it
//! what it wants and never waits on the bus. Without logind (no system bus, a container)
//! each request is logged and the music is not disturbed.

use std::time::Duration;
use tokio::sync::mpsc;

/// How often a refused idle inhibitor is asked for again.
const RETRY: Duration = Duration::from_secs(30);
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
pub enum PowerCommand {
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

    /// A `Power` whose requests go to the returned receiver instead of logind (the
    /// in-process tests of the owner read what it asked for).
    pub fn detached() -> (Power, mpsc::UnboundedReceiver<PowerCommand>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let power = Power {
            commands: tx,
            inhibiting: false,
        };
        (power, rx)
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
    let mut wanted = false;
    // Said once until logind is reached again (the retries would repeat it every 30 s).
    let mut said_unreachable = false;
    // An inhibitor asked for and refused (logind away, a bus restarting) is asked again.
    let mut retry = tokio::time::interval(RETRY);
    retry.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let command = tokio::select! {
            command = commands.recv() => match command {
                Some(command) => command,
                None => break,
            },
            _ = retry.tick(), if wanted && inhibitor.is_none() => PowerCommand::InhibitIdle(true),
        };
        match command {
            // Letting go needs no bus: the descriptor closes.
            PowerCommand::InhibitIdle(false) => {
                wanted = false;
                inhibitor = None;
                continue;
            }
            PowerCommand::InhibitIdle(true) if inhibitor.is_some() => continue,
            PowerCommand::InhibitIdle(true) => wanted = true,
            PowerCommand::Suspend => {}
        }
        if manager.is_none() {
            manager = connect(!said_unreachable).await;
        }
        let Some(m) = &manager else {
            if !said_unreachable {
                tracing::warn!("{command:?}: logind is not reachable on the system bus");
                said_unreachable = true;
            }
            continue;
        };
        said_unreachable = false;
        let result = match command {
            PowerCommand::InhibitIdle(false) => Ok(()),
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

/// The logind proxy, or `None` (said when `say`).
async fn connect(say: bool) -> Option<LoginManagerProxy<'static>> {
    let conn = zbus::Connection::system()
        .await
        .map_err(|e| say.then(|| tracing::warn!("no system bus for logind: {e}")))
        .ok()?;
    LoginManagerProxy::new(&conn)
        .await
        .map_err(|e| say.then(|| tracing::warn!("logind: {e}")))
        .ok()
}
