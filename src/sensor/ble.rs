//! The live sensor source: standard BLE straps and pods through btleplug (BlueZ over the
//! system D-Bus on Linux).
//!
//! [`Ble`] owns one task per paired sensor. Each task finds its device (scanning for the
//! heart-rate, running and cycling services if BlueZ does not know it yet), connects,
//! discovers services, reads the battery, subscribes to the measurement characteristics and
//! forwards parsed readings to the [`feed`](super::feed). On disconnection, or [`SILENCE`]
//! without a valid reading, the sensor is marked stale (the music plays on with whatever the
//! features still have), the task unsubscribes and disconnects, and tries again after a
//! capped exponential [`Backoff`] (0.5 s to 4 s; every 30 s once it has been away for 5
//! minutes, so a strap left on the shelf does not keep the radio scanning), forever. No
//! system bus, no bluetoothd, no adapter, a powered-off adapter: each is a [`Radio`] state in
//! the status, retried the same way; a restarted system bus gets a new connection.
//! Nothing is touched while nothing is paired and no scan is asked for.

use super::backoff::Backoff;
use super::feed::{FeedSender, Heart};
use super::gatt;
use super::status::{BleStatus, Found, Kind, Link, Radio, SensorStatus};
use crate::state::PairedSensor;
use btleplug::api::bleuuid::uuid_from_u16;
use btleplug::api::{
    BDAddr, Central, CentralEvent, CentralState, CharPropFlags, Characteristic, Manager as _,
    Peripheral as _, ScanFilter, ValueNotification,
};
use btleplug::platform::{Adapter, Manager, Peripheral};
use futures::StreamExt;
use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Mutex, watch};
use tokio::task::JoinHandle;
use tokio::time::{Instant, sleep, sleep_until, timeout};
use uuid::Uuid;

/// A sensor with no valid reading for this long is stale, and reconnected.
pub const SILENCE: Duration = Duration::from_secs(5);
/// How long one search for a paired device scans before backing off.
pub const FIND_WINDOW: Duration = Duration::from_secs(4);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const TEARDOWN_TIMEOUT: Duration = Duration::from_secs(1);
const FIRST_RETRY: Duration = Duration::from_millis(500);
/// With [`FIND_WINDOW`], a device that comes back is found within ~5 s.
const MAX_RETRY: Duration = Duration::from_secs(4);
/// A sensor away this long (a strap left on the shelf) is looked for less often, to spare
/// the radio and the battery: every [`LONG_RETRY`].
const LONG_ABSENCE: Duration = Duration::from_secs(300);
const LONG_RETRY: Duration = Duration::from_secs(30);
/// Asking BlueZ for its adapter; a dead D-Bus connection shows as a call that never returns.
const ADAPTER_TIMEOUT: Duration = Duration::from_secs(5);

pub const HEART_RATE_SERVICE: Uuid = uuid_from_u16(0x180D);
pub const RUNNING_SERVICE: Uuid = uuid_from_u16(0x1814);
pub const CYCLING_SERVICE: Uuid = uuid_from_u16(0x1816);
pub const HEART_RATE_MEASUREMENT: Uuid = uuid_from_u16(0x2A37);
pub const RSC_MEASUREMENT: Uuid = uuid_from_u16(0x2A53);
pub const CSC_MEASUREMENT: Uuid = uuid_from_u16(0x2A5B);
pub const BATTERY_LEVEL: Uuid = uuid_from_u16(0x2A19);

/// The services a scan looks for.
pub const SERVICES: [Uuid; 3] = [HEART_RATE_SERVICE, RUNNING_SERVICE, CYCLING_SERVICE];

/// Why a Bluetooth operation failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BleError {
    #[error("no system bus: {0}")]
    NoSystemBus(String),
    #[error("bluetoothd is not running")]
    NoBluetoothService,
    #[error("no Bluetooth adapter")]
    NoAdapter,
    #[error("Bluetooth adapter is powered off")]
    PoweredOff,
    #[error("`{0}` is not a Bluetooth address (expected AA:BB:CC:DD:EE:FF)")]
    InvalidAddress(String),
    #[error("{0} not found (is it on and near? run a scan first)")]
    NotFound(String),
    #[error("{0} offers no heart-rate, running or cycling measurement")]
    NotASensor(String),
    #[error("timed out while {0}")]
    Timeout(&'static str),
    #[error("disconnected")]
    Disconnected,
    #[error("silent for more than {} s", SILENCE.as_secs())]
    Silent,
    #[error("Bluetooth: {0}")]
    Bluetooth(String),
}

/// The D-Bus error name behind a btleplug error, if there is one.
fn dbus_error_name(e: &btleplug::Error) -> Option<String> {
    if let btleplug::Error::Other(inner) = e
        && let Some(bluez_async::BluetoothError::DbusError(d)) = inner.downcast_ref()
    {
        return d.name().map(str::to_owned);
    }
    None
}

/// The connection to the system bus itself is gone (the bus restarted): calls fail at once
/// with "Failed to send message", or never come back.
fn connection_lost(e: &btleplug::Error) -> bool {
    matches!(
        dbus_error_name(e).as_deref(),
        Some("org.freedesktop.DBus.Error.Disconnected" | "org.freedesktop.DBus.Error.NoReply")
    ) || e.to_string().contains("Failed to send message")
}

impl From<btleplug::Error> for BleError {
    fn from(e: btleplug::Error) -> Self {
        match dbus_error_name(&e).as_deref() {
            // Not running, or D-Bus activation of it failed (unit disabled or masked).
            Some(n)
                if n == "org.freedesktop.DBus.Error.ServiceUnknown"
                    || n == "org.freedesktop.DBus.Error.NameHasNoOwner"
                    || n.starts_with("org.freedesktop.systemd1.")
                    || n.starts_with("org.freedesktop.DBus.Error.Spawn.") =>
            {
                BleError::NoBluetoothService
            }
            _ => BleError::Bluetooth(e.to_string()),
        }
    }
}

impl BleError {
    /// The radio state this error means, for errors about reaching the adapter at all.
    fn radio(&self) -> Radio {
        match self {
            BleError::NoSystemBus(e) => Radio::NoSystemBus(e.clone()),
            BleError::NoBluetoothService => Radio::NoBluetoothService,
            BleError::NoAdapter => Radio::NoAdapter,
            BleError::PoweredOff => Radio::PoweredOff,
            other => Radio::Failing(other.to_string()),
        }
    }
}

/// `aa:bb:…` → `AA:BB:…`, or an error.
pub fn normalise_address(address: &str) -> Result<String, BleError> {
    // Strictly six colon-separated pairs of hex digits: BDAddr's parser alone accepts
    // one-digit groups ("…:11:1") and callers used to trim spaces, so a mistyped address
    // reached Bluetooth as a different device.
    let groups: Vec<&str> = address.split(':').collect();
    let strict = groups.len() == 6
        && groups
            .iter()
            .all(|g| g.len() == 2 && g.bytes().all(|b| b.is_ascii_hexdigit()));
    if !strict {
        return Err(BleError::InvalidAddress(address.to_owned()));
    }
    BDAddr::from_str(address)
        .map(|a| a.to_string())
        .map_err(|_| BleError::InvalidAddress(address.to_owned()))
}

/// What a device measures, from its service UUIDs.
pub fn kinds(services: &[Uuid]) -> Vec<Kind> {
    let mut k: Vec<Kind> = services
        .iter()
        .filter_map(|s| match *s {
            HEART_RATE_SERVICE => Some(Kind::HeartRate),
            RUNNING_SERVICE => Some(Kind::RunningCadence),
            CYCLING_SERVICE => Some(Kind::CyclingCadence),
            _ => None,
        })
        .collect();
    k.sort();
    k.dedup();
    k
}

/// State shared by the sensor tasks and the commands.
struct Shared {
    /// The btleplug manager (one D-Bus connection), made on first need and kept.
    manager: Mutex<Option<Manager>>,
    /// One discovery at a time: BlueZ's discovery is per connection.
    scanning: Arc<Mutex<()>>,
    status: watch::Sender<BleStatus>,
    feed: FeedSender,
}

impl Shared {
    fn set_radio(&self, radio: Radio) {
        self.status.send_if_modified(|s| {
            let changed = s.radio != radio;
            s.radio = radio;
            changed
        });
    }

    fn update(&self, address: &str, f: impl FnOnce(&mut SensorStatus)) {
        self.status.send_modify(|s| {
            if let Some(e) = s.sensors.iter_mut().find(|e| e.address == address) {
                f(e);
            }
        });
    }

    /// The first adapter, powered on; the radio state follows what is found.
    async fn adapter(&self) -> Result<Adapter, BleError> {
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

    async fn lookup(adapter: &Adapter, address: &str) -> Result<Option<Peripheral>, BleError> {
        Ok(adapter
            .peripherals()
            .await?
            .into_iter()
            .find(|p| p.address().to_string() == address))
    }

    /// Start discovery for our services; it stops when the returned guard is dropped.
    async fn discover(&self, adapter: &Adapter) -> Result<Discovery, BleError> {
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
    async fn find(&self, adapter: &Adapter, address: &str) -> Result<Peripheral, BleError> {
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
struct Discovery {
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

/// A paired sensor's task and the switch that stops it cleanly.
struct SensorTask {
    stop: watch::Sender<bool>,
    handle: JoinHandle<()>,
}

/// The Bluetooth sensor source: paired sensors' tasks, scans, pairing.
pub struct Ble {
    shared: Arc<Shared>,
    tasks: Mutex<HashMap<String, SensorTask>>,
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
        let handle = tokio::spawn(run_sensor(self.shared.clone(), sensor, stopped));
        SensorTask { stop, handle }
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
        let Some(task) = self.tasks.lock().await.remove(&address) else {
            return Ok(false);
        };
        stop(task).await;
        self.shared
            .status
            .send_modify(|s| s.sensors.retain(|e| e.address != address));
        if self.tasks.lock().await.is_empty() {
            self.shared.set_radio(Radio::Idle);
        }
        Ok(true)
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

/// One paired sensor, forever: connect, stream, and on any loss back off and again.
async fn run_sensor(shared: Arc<Shared>, sensor: PairedSensor, mut stopped: watch::Receiver<bool>) {
    let mut backoff = Backoff::new(FIRST_RETRY, MAX_RETRY);
    let who = format!("{} ({})", sensor.name, sensor.address);
    let mut last_live = Instant::now();
    loop {
        let mut live = false;
        let result = session(&shared, &sensor, &mut stopped, &mut live).await;
        if live {
            backoff.reset();
            last_live = Instant::now();
        }
        let error = match result {
            Ok(()) => return,
            Err(e) => e,
        };
        let mut delay = backoff.next_delay();
        if last_live.elapsed() > LONG_ABSENCE {
            delay = delay.max(LONG_RETRY);
        }
        if live {
            tracing::warn!("sensor {who}: {error}; data stale, reconnecting");
        } else {
            tracing::debug!("sensor {who}: {error}; retrying in {delay:?}");
        }
        shared.update(&sensor.address, |s| {
            s.link = if live || s.link == Link::Stale {
                Link::Stale
            } else {
                Link::Searching
            };
            s.last_error = Some(error.to_string());
        });
        tokio::select! {
            _ = sleep(delay) => {}
            _ = stopped.changed() => return,
        }
    }
}

/// One connection, until it fails (`Err`) or the task is stopped (`Ok`). `live` is set once
/// a valid reading has arrived.
async fn session(
    shared: &Shared,
    sensor: &PairedSensor,
    stopped: &mut watch::Receiver<bool>,
    live: &mut bool,
) -> Result<(), BleError> {
    let address = sensor.address.as_str();
    let find = async {
        let adapter = shared.adapter().await?;
        let p = shared.find(&adapter, address).await?;
        Ok::<_, BleError>((adapter, p))
    };
    // Cancelling here leaves nothing behind (the discovery guard stops any scan).
    let (adapter, p) = tokio::select! {
        r = find => r?,
        _ = stopped.changed() => return Ok(()),
    };
    shared.update(address, |s| s.link = Link::Connecting);
    let mut subscribed = Vec::new();
    let result = tokio::select! {
        r = timeout(CONNECT_TIMEOUT, connect_and_subscribe(shared, &adapter, &p, &mut subscribed)) => {
            match r.map_err(|_| BleError::Timeout("connecting"))? {
                Ok((events, notes)) => stream(shared, sensor, &p, events, notes, stopped, live).await,
                Err(e) => Err(e),
            }
        }
        _ = stopped.changed() => Ok(()),
    };
    // Leave nothing behind: BlueZ keeps notifying (and the device connected) otherwise.
    teardown(&p, &subscribed).await;
    result
}

type Events = std::pin::Pin<Box<dyn futures::Stream<Item = CentralEvent> + Send>>;
type Notes = std::pin::Pin<Box<dyn futures::Stream<Item = ValueNotification> + Send>>;

/// Connect, discover, read the battery, subscribe; `subscribed` lists what to undo.
async fn connect_and_subscribe(
    shared: &Shared,
    adapter: &Adapter,
    p: &Peripheral,
    subscribed: &mut Vec<Characteristic>,
) -> Result<(Events, Notes), BleError> {
    let address = p.address().to_string();
    // Listen for disconnection before connecting, so none is missed.
    let events = adapter.events().await?;
    if !p.is_connected().await? {
        p.connect().await?;
    }
    p.discover_services().await?;
    let chars = p.characteristics();
    let measurements: Vec<Characteristic> = chars
        .iter()
        .filter(|c| {
            [HEART_RATE_MEASUREMENT, RSC_MEASUREMENT, CSC_MEASUREMENT].contains(&c.uuid)
                && c.properties.contains(CharPropFlags::NOTIFY)
        })
        .cloned()
        .collect();
    if measurements.is_empty() {
        return Err(BleError::NotASensor(address));
    }
    if let Some(c) = chars.iter().find(|c| c.uuid == BATTERY_LEVEL)
        && let Ok(bytes) = p.read(c).await
    {
        match gatt::parse_battery(&bytes) {
            Ok(level) => shared.update(&address, |s| s.battery = Some(level)),
            Err(e) => tracing::debug!("{address}: {e}"),
        }
    }
    // The stream before the subscriptions, so the first notification is not missed.
    let notes = p.notifications().await?;
    for c in measurements {
        p.subscribe(&c).await?;
        subscribed.push(c);
    }
    Ok((events, notes))
}

/// Unsubscribe and disconnect, within [`TEARDOWN_TIMEOUT`] each step (the device may be gone).
async fn teardown(p: &Peripheral, subscribed: &[Characteristic]) {
    let unsubscribe = futures::future::join_all(subscribed.iter().map(|c| p.unsubscribe(c)));
    let _ = timeout(TEARDOWN_TIMEOUT, unsubscribe).await;
    let _ = timeout(TEARDOWN_TIMEOUT, p.disconnect()).await;
}

/// Pass readings on until the link is lost (`Err`) or the task is stopped (`Ok`).
async fn stream(
    shared: &Shared,
    sensor: &PairedSensor,
    p: &Peripheral,
    mut events: Events,
    mut notes: Notes,
    stopped: &mut watch::Receiver<bool>,
    live: &mut bool,
) -> Result<(), BleError> {
    let address = sensor.address.as_str();
    let id = p.id();
    let mut decoder = Decoder::default();
    let mut heard = Instant::now();
    loop {
        tokio::select! {
            n = notes.next() => match n {
                Some(n) => match decoder.decode(&n, &shared.feed) {
                    Ok(true) => {
                        heard = Instant::now();
                        if !*live {
                            *live = true;
                            shared.update(address, |s| {
                                s.link = Link::Live;
                                s.last_error = None;
                            });
                            tracing::info!("sensor {} ({address}): live", sensor.name);
                        }
                    }
                    Ok(false) => {}
                    Err(e) => {
                        let mut dropped = 0;
                        shared.update(address, |s| { s.dropped += 1; dropped = s.dropped; });
                        if dropped.is_power_of_two() {
                            tracing::warn!("{address}: {e} ({dropped} dropped so far)");
                        }
                    }
                },
                None => return Err(BleError::Disconnected),
            },
            e = events.next() => match e {
                Some(CentralEvent::DeviceDisconnected(gone)) if gone == id => {
                    return Err(BleError::Disconnected)
                }
                Some(_) => {}
                None => return Err(BleError::Disconnected),
            },
            _ = sleep_until(heard + SILENCE) => return Err(BleError::Silent),
            _ = stopped.changed() => return Ok(()),
        }
    }
}

/// Turns notifications into readings; keeps the previous cycling sample for cadence.
#[derive(Default)]
struct Decoder {
    last_cycling: Option<gatt::CyclingSample>,
}

impl Decoder {
    /// `Ok(true)` for a valid measurement (fed on, unless it is a first cycling sample or
    /// coasting), `Ok(false)` for a characteristic that is not a measurement, `Err` for a
    /// malformed one.
    fn decode(
        &mut self,
        n: &ValueNotification,
        feed: &FeedSender,
    ) -> Result<bool, gatt::GattError> {
        match n.uuid {
            HEART_RATE_MEASUREMENT => {
                let m = gatt::parse_heart_rate(&n.value)?;
                feed.heart(Heart {
                    bpm: m.bpm as f32,
                    rr_ms: m.rr_ms,
                    contact: match m.contact {
                        gatt::Contact::Detected => Some(true),
                        gatt::Contact::Lost => Some(false),
                        gatt::Contact::Unsupported => None,
                    },
                });
                Ok(true)
            }
            RSC_MEASUREMENT => {
                feed.cadence(gatt::parse_rsc(&n.value)?.steps_per_minute());
                Ok(true)
            }
            CSC_MEASUREMENT => {
                let now = gatt::parse_csc(&n.value)?;
                let rpm = self
                    .last_cycling
                    .replace(now)
                    .and_then(|prev| gatt::crank_rpm(&prev, &now));
                if let Some(rpm) = rpm {
                    // Two pedal strokes per revolution: the cyclist's "steps".
                    feed.cadence(2.0 * rpm);
                }
                Ok(true)
            }
            _ => Ok(false),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_normalised_or_refused() {
        assert_eq!(
            normalise_address("aa:bb:cc:dd:ee:0f").unwrap(),
            "AA:BB:CC:DD:EE:0F"
        );
        for bad in [
            " C4:7C:8D:6A:11:01",
            "C4:7C:8D:6A:11:01 ",
            "C4:7C:8D:6A:11:1",
            "C4-7C-8D-6A-11-01",
            "+4:7C:8D:6A:11:01",
            "",
            "AA:BB",
            "../x",
            "AA:BB:CC:DD:EE:GG",
            "AA:BB:CC:DD:EE:FF:00",
        ] {
            assert!(
                matches!(normalise_address(bad), Err(BleError::InvalidAddress(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn kinds_come_from_services() {
        assert_eq!(
            kinds(&[CYCLING_SERVICE, uuid_from_u16(0x180F), HEART_RATE_SERVICE]),
            vec![Kind::HeartRate, Kind::CyclingCadence]
        );
        assert!(kinds(&[uuid_from_u16(0x180F)]).is_empty());
    }

    fn note(uuid: Uuid, value: Vec<u8>) -> ValueNotification {
        ValueNotification {
            uuid,
            service_uuid: HEART_RATE_SERVICE,
            value,
        }
    }

    #[test]
    fn decoder_feeds_readings_and_refuses_garbage() {
        let (tx, mut rx) = super::super::feed::channel();
        let mut d = Decoder::default();
        let hr = gatt::encode_heart_rate(&gatt::HeartRate {
            bpm: 72,
            contact: gatt::Contact::Detected,
            energy_kj: None,
            rr_ms: vec![833.0078],
        });
        assert_eq!(d.decode(&note(HEART_RATE_MEASUREMENT, hr), &tx), Ok(true));
        let r = rx.take(0.0).unwrap();
        assert_eq!((r.hr, r.contact), (Some(72.0), Some(true)));
        assert!(
            d.decode(&note(HEART_RATE_MEASUREMENT, vec![0x10, 72, 1]), &tx)
                .is_err()
        );
        assert!(d.decode(&note(RSC_MEASUREMENT, vec![]), &tx).is_err());
        // Two revolutions in 1365/1024 s: 90 rpm.
        let csc = |revs: u16, t: u16| {
            let mut b = vec![0x02];
            b.extend(revs.to_le_bytes());
            b.extend(t.to_le_bytes());
            b
        };
        assert_eq!(
            d.decode(&note(CSC_MEASUREMENT, csc(10, 1024)), &tx),
            Ok(true)
        );
        assert_eq!(rx.take(0.0), None);
        d.decode(&note(CSC_MEASUREMENT, csc(12, 2048 + 341)), &tx)
            .unwrap();
        let strokes = rx.take(0.0).unwrap().cadence.unwrap();
        assert!(
            (strokes - 180.0).abs() < 0.2,
            "90 rpm is 180 strokes: {strokes}"
        );
        assert_eq!(
            d.decode(&note(uuid_from_u16(0x2A19), vec![5]), &tx),
            Ok(false)
        );
    }
}
