//! Logging set-up for the binaries: `RUST_LOG` (default `info`) to standard error, with the
//! log records of dependencies bridged in, minus the routine ones they misfile as errors.

use tracing::field::{Field, Visit};
use tracing_subscriber::layer::{Context, Filter, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

/// Start logging to standard error.
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_filter(RoutineNoise)
                .with_filter(filter),
        )
        .try_init();
}

/// Drops records that only say a connection was closed on purpose: the pulseaudio crate's
/// reactor logs "Reactor error: Client disconnected" at ERROR each time a stream's server
/// connection is let go (every pause). Our audio supervisor logs the real failures.
struct RoutineNoise;

impl<S> Filter<S> for RoutineNoise {
    fn enabled(&self, _meta: &tracing::Metadata<'_>, _cx: &Context<'_, S>) -> bool {
        true
    }

    fn event_enabled(&self, event: &tracing::Event<'_>, _cx: &Context<'_, S>) -> bool {
        let mut seen = Fields::default();
        event.record(&mut seen);
        !is_routine_disconnect(&seen.target, &seen.message)
    }
}

/// The one routine record: the pulseaudio reactor ending because its client was dropped.
fn is_routine_disconnect(target: &str, message: &str) -> bool {
    target.starts_with("pulseaudio") && message.ends_with("Client disconnected")
}

#[derive(Default)]
struct Fields {
    target: String,
    message: String,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "log.target" {
            self.target = value.to_owned();
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.message = format!("{value:?}");
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_the_routine_disconnect_is_dropped() {
        use super::is_routine_disconnect as routine;
        assert!(routine(
            "pulseaudio::client::reactor",
            "Reactor error: Client disconnected"
        ));
        assert!(!routine(
            "pulseaudio::client::reactor",
            "Reactor error: I/O error: broken pipe"
        ));
        assert!(!routine("attuned::audio", "Client disconnected"));
    }
}
