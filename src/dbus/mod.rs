//! The D-Bus contract, defined once and used by the daemon, `attunectl` and the tray:
//! bus names and paths, the client proxy, and the typed shapes of the structured properties.
//!
//! - [`names`] — bus names, object paths, interface names.
//! - [`proxy`] — [`AttunedProxy`], the client side of `io.github.Attuned1`.
//! - [`sensor_row`] — one row of the `Sensors` property.
//! - [`workout_report`] — the `Workout` property's keys and its one-line summary.
//! - [`now_playing`] — the `Now` property's keys.
//! - [`breath_lead_report`] — the `BreathLead` property's keys.
//! - [`heart_lead_report`] — the `HeartLead` property's keys.

pub mod breath_lead_report;
pub mod heart_lead_report;
pub mod names;
pub mod now_playing;
pub mod proxy;
pub mod sensor_row;
pub mod workout_report;

pub use breath_lead_report::BreathLeadReport;
pub use heart_lead_report::HeartLeadReport;
pub use now_playing::NowPlaying;
pub use proxy::AttunedProxy;
pub use sensor_row::SensorRow;
pub use workout_report::WorkoutReport;
