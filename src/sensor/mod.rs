//! Body sensors: standard Bluetooth LE straps and pods, and recorded sessions.
//!
//! - [`gatt`] — pure parsers of the SIG characteristics (heart rate, running and cycling
//!   speed/cadence, battery, body location); fuzzed.
//! - [`ble`] — the live source over btleplug/BlueZ: scan, pair, connect, subscribe, and
//!   reconnect with [`backoff`] forever; its state in [`status`].
//! - [`feed`] — the latest-value channel that carries readings to the control loop.
//! - [`replay`] — recorded sessions as CSV: read for `render --replay`, written by the daemon
//!   with `--record`.

pub mod backoff;
pub mod ble;
mod ble_decoder;
mod ble_error;
mod ble_ids;
mod ble_session;
mod ble_shared;
mod ble_timing;
pub mod feed;
pub mod gatt;
pub mod replay;
pub mod status;

/// A remembered sensor (kept in the state file).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PairedSensor {
    pub address: String,
    pub name: String,
}

/// One reading from the sensors, stamped in session seconds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reading {
    pub at: f64,
    pub hr: Option<f32>,
    pub rr_ms: Vec<f32>,
    /// `Some(false)`: the strap reports no skin contact, so its HR and RR are meaningless.
    pub contact: Option<bool>,
    pub cadence: Option<f32>,
}
