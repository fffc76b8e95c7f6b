//! The live sensor source: standard BLE straps and pods through btleplug (BlueZ over the
//! system D-Bus on Linux).
//!
//! [`Ble`] owns one task per paired sensor. Each task finds its device (scanning for the
//! heart-rate, running and cycling services if BlueZ does not know it yet), connects,
//! discovers services, reads the battery, subscribes to the measurement characteristics and
//! forwards parsed readings to the [`feed`](super::feed). On disconnection, or [`SILENCE`]
//! without a valid reading, the sensor is marked stale (the music plays on with whatever
//! the features still have), the task unsubscribes and disconnects, and tries again after a
//! capped exponential [`Backoff`](super::backoff::Backoff) (0.5 s to 4 s; every 30 s once
//! it has been away for 5 minutes, so a strap left on the shelf does not keep the radio
//! scanning), forever. No system bus, no bluetoothd, no adapter, a powered-off adapter:
//! each is a [`Radio`] state in the status, retried the same way; a restarted system bus
//! gets a new connection. Nothing is touched while nothing is paired and no scan is asked
//! for. A sensor's task is in [`ble_session`](super::ble_session); its GATT notifications
//! are decoded by [`ble_decoder`](super::ble_decoder).

use super::PairedSensor;
use super::feed::FeedSender;
use super::status::{BleStatus, Found, Link, Radio, SensorStatus};
use btleplug::api::{Central, Peripheral as _};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, watch};
use tokio::task::JoinHandle;
use tokio::time::{sleep, timeout};

use super::ble_timing::TEARDOWN_TIMEOUT;
pub use super::ble_timing::{FIND_WINDOW, SILENCE};

pub use super::ble_error::BleError;
pub use super::ble_ids::*;
use super::ble_session::run_sensor;

use super::ble_shared::Shared;

/// A paired sensor's task and the switch that stops it cleanly.
struct SensorTask {
    sensor: PairedSensor,
    stop: watch::Sender<bool>,
    handle: JoinHandle<()>,
}

/// The Bluetooth sensor source: paired sensors' tasks, scans, pairing.
pub struct Ble {
    shared: Arc<Shared>,
    tasks: Mutex<HashMap<String, SensorTask>>,
    /// Paired sensors let go until the next Play ([`Ble::follow_rest`]).
    resting: Mutex<Vec<PairedSensor>>,
}

impl Ble {
    /// Start a task for each paired sensor (within a tokio runtime).
    pub fn start(paired: &[PairedSensor], feed: FeedSender) -> Ble {
        let (status, _) = watch::channel(BleStatus::default());
        let mut ble = Ble {
            shared: Arc::new(Shared {
                manager: Mutex::new(None),
                scanning: Arc::new(Mutex::new(())),
                status,
                feed,
            }),
            tasks: Mutex::new(HashMap::new()),
            resting: Mutex::new(Vec::new()),
        };
        let mut tasks = HashMap::new();
        for p in paired {
            match normalise_address(&p.address) {
                Ok(address) if tasks.contains_key(&address) => {}
                Ok(address) => {
                    let p = PairedSensor {
                        address: address.clone(),
                        name: p.name.clone(),
                    };
                    tasks.insert(address, ble.spawn(p));
                }
                Err(e) => tracing::warn!("paired sensor `{}` ignored: {e}", p.name),
            }
        }
        ble.tasks = Mutex::new(tasks);
        ble
    }

    fn spawn(&self, sensor: PairedSensor) -> SensorTask {
        self.shared.status.send_modify(|s| {
            s.sensors.push(SensorStatus {
                address: sensor.address.clone(),
                name: sensor.name.clone(),
                ..SensorStatus::default()
            })
        });
        let (stop, stopped) = watch::channel(false);
        let handle = tokio::spawn(run_sensor(self.shared.clone(), sensor.clone(), stopped));
        SensorTask {
            sensor,
            stop,
            handle,
        }
    }

    /// The current state.
    pub fn status(&self) -> BleStatus {
        self.shared.status.borrow().clone()
    }

    /// Changes of state, for announcing them.
    pub fn watch(&self) -> watch::Receiver<BleStatus> {
        self.shared.status.subscribe()
    }

    /// Scan for `duration` and list the heart-rate, running and cycling sensors around.
    pub async fn scan(&self, duration: Duration) -> Result<Vec<Found>, BleError> {
        let adapter = self.shared.adapter().await?;
        let found = {
            let _discovery = self.shared.discover(&adapter).await?;
            sleep(duration).await;
            adapter.peripherals().await?
        };
        let mut out = Vec::new();
        for p in found {
            let Ok(Some(props)) = p.properties().await else {
                continue;
            };
            let kinds = kinds(&props.services);
            if !kinds.is_empty() {
                out.push(Found {
                    address: p.address().to_string(),
                    name: props.local_name.unwrap_or_default(),
                    rssi: props.rssi,
                    kinds,
                });
            }
        }
        out.sort_by(|a, b| b.rssi.cmp(&a.rssi).then(a.address.cmp(&b.address)));
        Ok(out)
    }

    /// Remember the device at `address` (seen by BlueZ, e.g. in a scan) and keep it connected.
    /// Pairing a sensor again is not an error.
    pub async fn pair(&self, address: &str) -> Result<PairedSensor, BleError> {
        let address = normalise_address(address)?;
        if let Some(s) = self
            .status()
            .sensors
            .into_iter()
            .find(|s| s.address == address)
        {
            return Ok(PairedSensor {
                address,
                name: s.name,
            });
        }
        let adapter = self.shared.adapter().await?;
        let p = Shared::lookup(&adapter, &address)
            .await?
            .ok_or_else(|| BleError::NotFound(address.clone()))?;
        let props = p.properties().await?.unwrap_or_default();
        if kinds(&props.services).is_empty() {
            return Err(BleError::NotASensor(address));
        }
        let sensor = PairedSensor {
            address: address.clone(),
            name: props.local_name.unwrap_or_else(|| address.clone()),
        };
        // Checked again under the lock: two Pair calls for one device make one task.
        if let std::collections::hash_map::Entry::Vacant(free) =
            self.tasks.lock().await.entry(address)
        {
            free.insert(self.spawn(sensor.clone()));
            tracing::info!("paired {} ({})", sensor.name, sensor.address);
        }
        Ok(sensor)
    }

    /// Stop using the sensor at `address` (unsubscribe, disconnect). `false` if not paired.
    pub async fn forget(&self, address: &str) -> Result<bool, BleError> {
        let address = normalise_address(address)?;
        // Both lists under their locks at once (tasks, then resting, as rest and wake
        // take them), so a sensor moving between them is never missed.
        let (task, was_resting) = {
            let mut tasks = self.tasks.lock().await;
            let mut resting = self.resting.lock().await;
            let before = resting.len();
            resting.retain(|s| s.address != address);
            (tasks.remove(&address), resting.len() < before)
        };
        match task {
            Some(task) => stop(task).await,
            None if was_resting => {}
            None => return Ok(false),
        }
        self.shared
            .status
            .send_modify(|s| s.sensors.retain(|e| e.address != address));
        if self.tasks.lock().await.is_empty() {
            self.shared.set_radio(Radio::Idle);
        }
        Ok(true)
    }

    /// Rest the sensors while `rest` is true and bring them back when it turns false (one
    /// change at a time, in order): a sleep timer that stops lets the radio and the straps'
    /// batteries rest until the next Play.
    pub fn follow_rest(self: Arc<Self>, mut rest: watch::Receiver<bool>) {
        tokio::spawn(async move {
            let mut resting = false;
            loop {
                let wanted = *rest.borrow_and_update();
                if wanted != resting {
                    if wanted {
                        self.rest().await;
                    } else {
                        self.wake().await;
                    }
                    resting = wanted;
                }
                if rest.changed().await.is_err() {
                    break;
                }
            }
        });
    }

    /// Let every sensor go (unsubscribe, disconnect), keeping it paired.
    async fn rest(&self) {
        // Out of the running list and into the resting one in one step (see `forget`).
        let tasks: Vec<SensorTask> = {
            let mut running = self.tasks.lock().await;
            let tasks: Vec<_> = running.drain().map(|(_, t)| t).collect();
            let mut resting = self.resting.lock().await;
            resting.extend(tasks.iter().map(|t| t.sensor.clone()));
            tasks
        };
        if tasks.is_empty() {
            return;
        }
        let addresses: Vec<String> = tasks.iter().map(|t| t.sensor.address.clone()).collect();
        futures::future::join_all(tasks.into_iter().map(stop)).await;
        // Marked once their tasks have ended (a task's last word would overwrite it), and
        // only those still resting (one forgotten meanwhile has no row).
        let resting = self.resting.lock().await;
        self.shared.status.send_modify(|s| {
            for e in &mut s.sensors {
                if addresses.contains(&e.address) && resting.iter().any(|r| r.address == e.address)
                {
                    e.link = Link::Resting;
                }
            }
        });
        drop(resting);
        tracing::info!("sensors resting until the next Play");
        if self.tasks.lock().await.is_empty() {
            self.shared.set_radio(Radio::Idle);
        }
    }

    /// Bring the resting sensors back.
    async fn wake(&self) {
        let mut tasks = self.tasks.lock().await;
        let sensors: Vec<_> = self.resting.lock().await.drain(..).collect();
        for sensor in sensors {
            if let std::collections::hash_map::Entry::Vacant(free) =
                tasks.entry(sensor.address.clone())
            {
                // A fresh status row comes with the task.
                self.shared
                    .status
                    .send_modify(|s| s.sensors.retain(|e| e.address != sensor.address));
                free.insert(self.spawn(sensor));
            }
        }
    }

    /// Stop every sensor task cleanly.
    pub async fn shutdown(&self) {
        let tasks: Vec<_> = self.tasks.lock().await.drain().map(|(_, t)| t).collect();
        futures::future::join_all(tasks.into_iter().map(stop)).await;
    }
}

async fn stop(task: SensorTask) {
    let _ = task.stop.send(true);
    let mut handle = task.handle;
    if timeout(
        2 * TEARDOWN_TIMEOUT + Duration::from_millis(500),
        &mut handle,
    )
    .await
    .is_err()
    {
        handle.abort();
    }
}
