//! Why a Bluetooth operation failed, in words a listener can act on, from btleplug's and
//! BlueZ's errors.

use super::ble_timing::SILENCE;
use super::status::Radio;

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
    #[error("{} is not a Bluetooth address (expected AA:BB:CC:DD:EE:FF)", crate::quoted::Quoted(.0))]
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
pub(super) fn dbus_error_name(e: &btleplug::Error) -> Option<String> {
    if let btleplug::Error::Other(inner) = e
        && let Some(bluez_async::BluetoothError::DbusError(d)) = inner.downcast_ref()
    {
        return d.name().map(str::to_owned);
    }
    None
}

/// The connection to the system bus itself is gone (the bus restarted): calls fail at once
/// with "Failed to send message", or never come back.
pub(super) fn connection_lost(e: &btleplug::Error) -> bool {
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
    pub(super) fn radio(&self) -> Radio {
        match self {
            BleError::NoSystemBus(e) => Radio::NoSystemBus(e.clone()),
            BleError::NoBluetoothService => Radio::NoBluetoothService,
            BleError::NoAdapter => Radio::NoAdapter,
            BleError::PoweredOff => Radio::PoweredOff,
            other => Radio::Failing(other.to_string()),
        }
    }
}
