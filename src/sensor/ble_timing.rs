//! How long the sensor tasks wait for what: silence, finding, connecting, tearing down,
//! and the backoff between attempts.

use std::time::Duration;

/// A sensor with no valid reading for this long is stale, and reconnected.
pub const SILENCE: Duration = Duration::from_secs(5);
/// How long one search for a paired device scans before backing off.
pub const FIND_WINDOW: Duration = Duration::from_secs(4);
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
pub const TEARDOWN_TIMEOUT: Duration = Duration::from_secs(1);
pub const FIRST_RETRY: Duration = Duration::from_millis(500);
/// With [`FIND_WINDOW`], a device that comes back is found within ~5 s.
pub const MAX_RETRY: Duration = Duration::from_secs(4);
/// A sensor away this long (a strap left on the shelf) is looked for less often, to spare
/// the radio and the battery: every [`LONG_RETRY`].
pub const LONG_ABSENCE: Duration = Duration::from_secs(300);
pub const LONG_RETRY: Duration = Duration::from_secs(30);
/// Asking BlueZ for its adapter; a dead D-Bus connection shows as a call that never returns.
pub const ADAPTER_TIMEOUT: Duration = Duration::from_secs(5);
