//! One paired sensor's life: find it, connect, subscribe to its measurements and forward
//! them, until it goes quiet or away; then tear down, back off and try again, forever.

use super::PairedSensor;
use super::backoff::Backoff;
use super::ble_decoder::Decoder;
use super::ble_error::BleError;
use super::ble_ids::{BATTERY_LEVEL, CSC_MEASUREMENT, HEART_RATE_MEASUREMENT, RSC_MEASUREMENT};
use super::ble_shared::Shared;
use super::ble_timing::{
    CONNECT_TIMEOUT, FIRST_RETRY, LONG_ABSENCE, LONG_RETRY, MAX_RETRY, SILENCE, TEARDOWN_TIMEOUT,
};
use super::gatt;
use super::status::Link;
use btleplug::api::{
    Central as _, CentralEvent, CharPropFlags, Characteristic, Peripheral as _, ValueNotification,
};
use btleplug::platform::{Adapter, Peripheral};
use futures::StreamExt;
use std::sync::Arc;
use tokio::sync::watch;
use tokio::time::{Instant, sleep, sleep_until, timeout};

/// One paired sensor, forever: connect, stream, and on any loss back off and again.
pub(super) async fn run_sensor(
    shared: Arc<Shared>,
    sensor: PairedSensor,
    mut stopped: watch::Receiver<bool>,
) {
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
