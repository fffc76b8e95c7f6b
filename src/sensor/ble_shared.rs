//! What the sensor tasks and the commands share: the btleplug manager (one system-bus
//! connection), one discovery at a time, the status, the feed; finding the adapter and a
//! device on it.

use super::ble_error::{BleError, connection_lost, dbus_error_name};
use super::ble_ids::SERVICES;
use super::ble_timing::{ADAPTER_TIMEOUT, FIND_WINDOW, TEARDOWN_TIMEOUT};
use super::feed::FeedSender;
use super::status::{BleStatus, Radio, SensorStatus};
use btleplug::api::{Central, CentralState, Manager as _, Peripheral as _, ScanFilter};
use btleplug::platform::{Adapter, Manager, Peripheral};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, watch};
use tokio::time::{Instant, sleep, timeout};

/// State shared by the sensor tasks and the commands.
pub struct Shared {
    /// The btleplug manager (one D-Bus connection), made on first need and kept.
    pub manager: Mutex<Option<Manager>>,
    /// One discovery at a time: BlueZ's discovery is per connection.
    pub scanning: Arc<Mutex<()>>,
    pub status: watch::Sender<BleStatus>,
    pub feed: FeedSender,
}

impl Shared {
    pub fn set_radio(&self, radio: Radio) {
        self.status.send_if_modified(|s| {
            let changed = s.radio != radio;
            s.radio = radio;
            changed
        });
    }

    pub fn update(&self, address: &str, f: impl FnOnce(&mut SensorStatus)) {
        self.status.send_modify(|s| {
            if let Some(e) = s.sensors.iter_mut().find(|e| e.address == address) {
                f(e);
            }
        });
    }

    /// The first adapter, powered on; the radio state follows what is found.
    pub async fn adapter(&self) -> Result<Adapter, BleError> {
        let r = match timeout(ADAPTER_TIMEOUT, self.find_adapter()).await {
            Ok(r) => r,
            Err(_) => {
                // The system bus went away under the connection (its I/O task has ended):
                // connect afresh next time.
                *self.manager.lock().await = None;
                Err(BleError::Timeout("asking BlueZ for its adapter"))
            }
        };
        self.set_radio(match &r {
            Ok(_) => Radio::Ready,
            Err(e) => e.radio(),
        });
        r
    }

    async fn find_adapter(&self) -> Result<Adapter, BleError> {
        let mut manager = self.manager.lock().await;
        if manager.is_none() {
            *manager = Some(
                Manager::new()
                    .await
                    .map_err(|e| BleError::NoSystemBus(e.to_string()))?,
            );
        }
        let adapters = match manager.as_ref().expect("set above").adapters().await {
            Ok(a) => a,
            Err(e) => {
                if connection_lost(&e) {
                    // The system bus restarted under this connection (its I/O task has
                    // ended with it, so dropping the manager leaks nothing): connect afresh.
                    *manager = None;
                }
                return Err(e.into());
            }
        };
        let adapter = adapters.into_iter().next().ok_or(BleError::NoAdapter)?;
        match adapter.adapter_state().await? {
            CentralState::PoweredOff => Err(BleError::PoweredOff),
            _ => Ok(adapter),
        }
    }

    pub async fn lookup(adapter: &Adapter, address: &str) -> Result<Option<Peripheral>, BleError> {
        Ok(adapter
            .peripherals()
            .await?
            .into_iter()
            .find(|p| p.address().to_string() == address))
    }

    /// Start discovery for our services; it stops when the returned guard is dropped.
    pub async fn discover(&self, adapter: &Adapter) -> Result<Discovery, BleError> {
        let one = self.scanning.clone().lock_owned().await;
        let started = adapter
            .start_scan(ScanFilter {
                services: SERVICES.to_vec(),
            })
            .await;
        match started {
            Ok(()) => {}
            // Already discovering (from before a restart of ours): that is what we want.
            Err(e) if dbus_error_name(&e).as_deref() == Some("org.bluez.Error.InProgress") => {}
            Err(e) => return Err(e.into()),
        }
        Ok(Discovery {
            stop: Some((adapter.clone(), one)),
        })
    }

    /// The device with `address`, scanning for up to [`FIND_WINDOW`] if BlueZ does not know it.
    pub async fn find(&self, adapter: &Adapter, address: &str) -> Result<Peripheral, BleError> {
        if let Some(p) = Self::lookup(adapter, address).await? {
            return Ok(p);
        }
        let _discovery = self.discover(adapter).await?;
        let deadline = Instant::now() + FIND_WINDOW;
        loop {
            sleep(Duration::from_millis(250)).await;
            match Self::lookup(adapter, address).await {
                Ok(Some(p)) => break Ok(p),
                Ok(None) if Instant::now() < deadline => continue,
                Ok(None) => break Err(BleError::NotFound(address.to_owned())),
                Err(e) => break Err(e),
            }
        }
    }
}

/// Discovery in progress. Dropping it stops discovery however its holder ended (done,
/// cancelled, timed out), and only then lets the next discovery start: BlueZ refuses a
/// second StartDiscovery from one connection and would otherwise scan until we disconnect.
pub struct Discovery {
    stop: Option<(Adapter, tokio::sync::OwnedMutexGuard<()>)>,
}

impl Drop for Discovery {
    fn drop(&mut self) {
        if let Some((adapter, one)) = self.stop.take()
            && let Ok(rt) = tokio::runtime::Handle::try_current()
        {
            rt.spawn(async move {
                let _ = timeout(TEARDOWN_TIMEOUT, adapter.stop_scan()).await;
                drop(one);
            });
        }
    }
}
