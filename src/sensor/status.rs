//! What the Bluetooth side is doing, as the daemon reports it over D-Bus and `attunectl`.

use std::fmt;

/// The radio as a whole: whether sensors can be reached at all.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Radio {
    /// Nothing paired and no scan asked for: Bluetooth is left alone.
    #[default]
    Idle,
    /// The system D-Bus cannot be reached.
    NoSystemBus(String),
    /// bluetoothd (`org.bluez`) is not running.
    NoBluetoothService,
    /// BlueZ runs but there is no adapter.
    NoAdapter,
    PoweredOff,
    /// Something else went wrong reaching the adapter (the message says what).
    Failing(String),
    Ready,
}

impl fmt::Display for Radio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Radio::Idle => f.write_str("idle"),
            Radio::NoSystemBus(e) => write!(f, "no system bus ({e})"),
            Radio::NoBluetoothService => f.write_str("bluetoothd is not running"),
            Radio::NoAdapter => f.write_str("no Bluetooth adapter"),
            Radio::PoweredOff => f.write_str("Bluetooth adapter is powered off"),
            Radio::Failing(e) => write!(f, "Bluetooth error: {e}"),
            Radio::Ready => f.write_str("ready"),
        }
    }
}

/// One paired sensor's link.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Link {
    /// Looking for it (scanning, or waiting for the radio).
    #[default]
    Searching,
    /// Connecting, or connected and subscribed but no valid reading yet.
    Connecting,
    /// Valid readings are arriving.
    Live,
    /// Lost (disconnected, or silent for more than [`super::ble::SILENCE`]); retrying.
    Stale,
    /// Let go (unsubscribed, disconnected) by a sleep timer that stopped, until the next Play.
    Resting,
}

impl fmt::Display for Link {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Link::Searching => "searching",
            Link::Connecting => "connecting",
            Link::Live => "live",
            Link::Stale => "stale",
            Link::Resting => "resting",
        })
    }
}

/// What a sensor measures, from the services it offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    HeartRate,
    RunningCadence,
    CyclingCadence,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::HeartRate => "heart-rate",
            Kind::RunningCadence => "running-cadence",
            Kind::CyclingCadence => "cycling-cadence",
        }
    }
}

/// A paired sensor as reported.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SensorStatus {
    pub address: String,
    pub name: String,
    pub link: Link,
    /// Battery level in percent, once read.
    pub battery: Option<u8>,
    /// Notifications that could not be parsed (counted and dropped).
    pub dropped: u64,
    /// Why the last connection attempt failed or ended.
    pub last_error: Option<String>,
}

/// A device found by a scan.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub address: String,
    pub name: String,
    pub rssi: Option<i16>,
    pub kinds: Vec<Kind>,
}

/// The whole Bluetooth side.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BleStatus {
    pub radio: Radio,
    pub sensors: Vec<SensorStatus>,
}
