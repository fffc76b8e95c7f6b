//! The tray (`attunectl tray`) through real D-Bus: a StatusNotifierWatcher of our own (zbus)
//! on a private session bus, and this test as the tray host, reading the menu with
//! `com.canonical.dbusmenu.GetLayout` and clicking items with `Event`, against the real daemon.

mod services;

use services::Session;
use std::collections::HashMap;
use std::process::Child;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use zbus::zvariant::{OwnedValue, Value};

/// The watcher: remembers who registered.
struct Watcher {
    items: Arc<Mutex<Vec<String>>>,
}

#[zbus::interface(name = "org.kde.StatusNotifierWatcher")]
impl Watcher {
    fn register_status_notifier_item(&self, service: &str) {
        self.items.lock().unwrap().push(service.to_owned());
    }
    fn register_status_notifier_host(&self, _service: &str) {}
    #[zbus(property)]
    fn registered_status_notifier_items(&self) -> Vec<String> {
        self.items.lock().unwrap().clone()
    }
    #[zbus(property)]
    fn is_status_notifier_host_registered(&self) -> bool {
        true
    }
    #[zbus(property)]
    fn protocol_version(&self) -> i32 {
        0
    }
}

/// One menu entry as the host sees it.
#[derive(Debug, Clone)]
struct Entry {
    id: i32,
    label: String,
    enabled: bool,
    toggled: bool,
    children: Vec<Entry>,
}

impl Entry {
    fn find(&self, pred: &dyn Fn(&Entry) -> bool) -> Option<&Entry> {
        if pred(self) {
            return Some(self);
        }
        self.children.iter().find_map(|c| c.find(pred))
    }
    fn labelled(&self, prefix: &str) -> Option<&Entry> {
        self.find(&|e| e.label.starts_with(prefix))
    }
}

fn entry(mut v: &Value<'_>) -> Entry {
    while let Value::Value(inner) = v {
        v = inner;
    }
    let Value::Structure(s) = v else {
        panic!("a layout node is a structure: {v:?}")
    };
    let f = s.fields();
    let id = i32::try_from(&f[0]).unwrap();
    let props: HashMap<String, OwnedValue> = HashMap::try_from(f[1].try_clone().unwrap()).unwrap();
    let Value::Array(children) = &f[2] else {
        panic!("children are an array")
    };
    let prop = |k: &str| props.get(k).map(|v| Value::from(v.try_clone().unwrap()));
    Entry {
        id,
        label: prop("label")
            .and_then(|v| String::try_from(v).ok())
            .unwrap_or_default(),
        enabled: prop("enabled")
            .and_then(|v| bool::try_from(v).ok())
            .unwrap_or(true),
        toggled: prop("toggle-state")
            .and_then(|v| i32::try_from(v).ok())
            .is_some_and(|s| s == 1),
        children: children.iter().map(entry).collect(),
    }
}

struct Host {
    rt: tokio::runtime::Runtime,
    conn: zbus::Connection,
    items: Arc<Mutex<Vec<String>>>,
}

impl Host {
    fn start(s: &Session) -> Host {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let items = Arc::new(Mutex::new(Vec::new()));
        let addr = s.bus_address();
        let w = Watcher {
            items: items.clone(),
        };
        let conn = rt
            .block_on(async move {
                zbus::connection::Builder::address(addr.as_str())?
                    .serve_at("/StatusNotifierWatcher", w)?
                    .name("org.kde.StatusNotifierWatcher")?
                    .build()
                    .await
            })
            .unwrap();
        Host { rt, conn, items }
    }

    fn item(&self) -> Option<String> {
        self.items.lock().unwrap().last().cloned()
    }

    fn layout(&self) -> Entry {
        let item = self.item().expect("registered");
        let conn = self.conn.clone();
        self.rt.block_on(async move {
            let reply = conn
                .call_method(
                    Some(item.as_str()),
                    "/MenuBar",
                    Some("com.canonical.dbusmenu"),
                    "GetLayout",
                    &(0i32, -1i32, Vec::<String>::new()),
                )
                .await
                .unwrap();
            let body = reply.body();
            type Node = (i32, HashMap<String, OwnedValue>, Vec<OwnedValue>);
            let (_rev, (id, props, children)): (u32, Node) = body.deserialize().unwrap();
            let children: Vec<Value<'static>> = children
                .into_iter()
                .map(|c| Value::Value(Box::new(Value::from(c))))
                .collect();
            let props: HashMap<String, Value<'static>> = props
                .into_iter()
                .map(|(k, v)| (k, Value::from(v)))
                .collect();
            let root = Value::from(
                zbus::zvariant::StructureBuilder::new()
                    .add_field(id)
                    .add_field(props)
                    .add_field(zbus::zvariant::Array::from(children))
                    .build()
                    .unwrap(),
            );
            entry(&root)
        })
    }

    /// Click the entry `pick` finds in the menu now. The tray renumbers its entries when
    /// its menu changes (the daemon's state moved between reading the layout and the
    /// click: "id not found"), so a refused click reads the layout again, as a host would.
    fn click_where(&self, pick: impl Fn(&Entry) -> Option<&Entry>) {
        let item = self.item().expect("registered");
        for _ in 0..10 {
            let id = pick(&self.layout()).expect("the entry is in the menu").id;
            let (conn, item) = (self.conn.clone(), item.clone());
            let clicked = self.rt.block_on(async move {
                conn.call_method(
                    Some(item.as_str()),
                    "/MenuBar",
                    Some("com.canonical.dbusmenu"),
                    "Event",
                    &(id, "clicked", Value::from(0i32), 0u32),
                )
                .await
            });
            match clicked {
                Ok(_) => return,
                Err(e) if e.to_string().contains("id not found") => {
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(e) => panic!("click: {e}"),
            }
        }
        panic!("the menu kept changing under the click");
    }

    fn item_property(&self, name: &str) -> String {
        let item = self.item().expect("registered");
        let conn = self.conn.clone();
        let name = name.to_owned();
        self.rt.block_on(async move {
            let p = zbus::fdo::PropertiesProxy::builder(&conn)
                .destination(item)
                .unwrap()
                .path("/StatusNotifierItem")
                .unwrap()
                .build()
                .await
                .unwrap();
            let v = p
                .get(
                    zbus::names::InterfaceName::from_static_str_unchecked(
                        "org.kde.StatusNotifierItem",
                    ),
                    &name,
                )
                .await
                .unwrap();
            String::try_from(v).unwrap()
        })
    }
}

/// [`services::wait_for`], failing at once if the tray exits meanwhile.
fn wait(what: &str, tray: &mut Child, mut ok: impl FnMut() -> bool) {
    services::wait_for(what, Duration::from_secs(10), || {
        let exited = tray.try_wait().unwrap();
        assert!(exited.is_none(), "the tray exited while waiting for {what}");
        ok()
    });
}

/// The tray's StatusNotifierItem name is on the bus (it is up, whether or not a host is).
fn on_the_bus(s: &Session, pid: u32) -> bool {
    s.name_owned(&format!("org.kde.StatusNotifierItem-{pid}-1"))
}

/// A service directory that D-Bus-activates the daemon, as `make install` sets up.
fn activation_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("attuned-tray-services-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bindir = std::path::Path::new(env!("CARGO_BIN_EXE_attuned"))
        .parent()
        .unwrap();
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("systemd/io.github.Attuned.service.in"),
    )
    .unwrap()
    .replace("@BINDIR@", bindir.to_str().unwrap());
    std::fs::write(dir.join("io.github.Attuned.service"), text).unwrap();
    dir
}

#[test]
fn the_tray_drives_and_follows_the_daemon() {
    let s = Session::with_servicedir("tray", &activation_dir());
    let mut d = s.start_daemon(&[]);
    // The tray starts before any tray host exists, and registers once one appears.
    let mut tray = s.start_tray();
    let pid = tray.0.id();
    wait("the tray on the bus, with no host yet", &mut tray.0, || {
        on_the_bus(&s, pid)
    });
    let host = Host::start(&s);
    wait("the tray to register", &mut tray.0, || {
        host.item().is_some()
    });
    wait("the menu to show the daemon", &mut tray.0, || {
        host.layout()
            .labelled("Preset: ")
            .is_some_and(|e| e.enabled)
    });

    // Presets are radio items, the current one checked; clicking one switches the daemon.
    let menu = host.layout();
    let presets = menu.labelled("Preset: ").unwrap();
    let current = s.property("Preset");
    assert!(
        presets
            .label
            .ends_with(current.trim_matches('"').trim_start_matches("s \""))
    );
    assert!(
        presets.children.iter().any(|e| e.label == "sleep"),
        "sleep listed"
    );
    host.click_where(|m| {
        m.labelled("Preset: ")?
            .children
            .iter()
            .find(|e| e.label == "sleep")
    });
    wait("the daemon to switch to sleep", &mut tray.0, || {
        s.property("Preset") == "s \"sleep\""
    });
    wait("the radio item to follow", &mut tray.0, || {
        let m = host.layout();
        let p = m.labelled("Preset: sleep");
        p.is_some_and(|p| p.children.iter().any(|e| e.label == "sleep" && e.toggled))
    });

    // Play/pause toggles.
    let before = s.property("PlaybackState");
    host.click_where(|m| m.find(&|e| e.label == "Play" || e.label == "Pause"));
    wait("playback to toggle", &mut tray.0, || {
        s.property("PlaybackState") != before
    });

    // Volume steps.
    host.click_where(|m| {
        m.labelled("Volume: ")?
            .children
            .iter()
            .find(|e| e.label == "70 %")
    });
    wait("the volume to be set", &mut tray.0, || {
        s.property("Volume") == "d 0.7"
    });

    // The sleep timer.
    host.click_where(|m| m.labelled("30 min"));
    wait("the timer to be set", &mut tray.0, || {
        let v = s.property("SleepTimerRemaining");
        let secs: f64 = v.trim_start_matches("d ").parse().unwrap_or(0.0);
        secs > 1780.0 && secs <= 1800.0
    });
    wait("the menu to show the timer", &mut tray.0, || {
        host.layout().labelled("Sleep timer: 2").is_some()
    });

    // A change made elsewhere (attunectl) shows in the menu and the title.
    let out = s.run(env!("CARGO_BIN_EXE_attunectl"), &["preset", "relax"]);
    assert!(out.status.success());
    wait("the menu to follow attunectl", &mut tray.0, || {
        host.layout().labelled("Preset: relax").is_some()
    });
    assert!(host.item_property("Title").contains("relax"));

    // In the workout preset the menu shows the beat: with no pod, the preset's own groove
    // and a free phase. Then back to relax.
    let out = s.run(env!("CARGO_BIN_EXE_attunectl"), &["preset", "workout"]);
    assert!(out.status.success());
    wait("the workout beat in the menu", &mut tray.0, || {
        host.layout()
            .labelled("Workout: beat ")
            .is_some_and(|e| e.label.contains("phase free"))
    });
    let out = s.run(env!("CARGO_BIN_EXE_attunectl"), &["preset", "relax"]);
    assert!(out.status.success());
    wait("the workout line to go", &mut tray.0, || {
        let m = host.layout();
        m.labelled("Preset: relax").is_some() && m.labelled("Workout:").is_none()
    });

    // The daemon dies: the menu greys out. It comes back: the menu recovers. (It saves at
    // most once a second: wait for relax to be saved, so the restart brings it back.)
    wait("relax saved", &mut tray.0, || {
        std::fs::read_to_string(s.state_file()).is_ok_and(|t| t.contains("\"relax\""))
    });
    d.child.kill().unwrap();
    d.child.wait().unwrap();
    wait("the menu to grey out", &mut tray.0, || {
        let m = host.layout();
        m.labelled("attuned is not running").is_some()
            && m.labelled("Preset: ").is_some_and(|e| !e.enabled)
    });
    // Looking does not activate it: a daemon the user stopped stays stopped.
    std::thread::sleep(Duration::from_secs(6));
    assert!(
        !s.name_owned("io.github.Attuned"),
        "the tray started the daemon through D-Bus activation"
    );
    let _d = s.start_daemon(&[]);
    wait("the menu to recover", &mut tray.0, || {
        host.layout()
            .labelled("Preset: relax")
            .is_some_and(|e| e.enabled)
    });

    host.click_where(|m| m.labelled("Quit tray"));
    let start = Instant::now();
    let status = loop {
        if let Some(st) = tray.0.try_wait().unwrap() {
            break st;
        }
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "Quit did not quit"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success());
}

/// The session bus goes away (the session ends): the tray exits instead of spinning.
#[test]
fn the_tray_exits_when_the_session_bus_goes_away() {
    let mut s = Session::new("tray-bus-gone");
    let mut tray = s.start_tray();
    let pid = tray.0.id();
    wait(
        "the tray on the bus, waiting for a host",
        &mut tray.0,
        || on_the_bus(&s, pid),
    );
    s.kill_session_bus();
    let start = Instant::now();
    while tray.0.try_wait().unwrap().is_none() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the tray outlived its session bus"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The "Output" submenu on a real PipeWire with two sinks: the devices by their
/// descriptions, the default selected; clicking one plays there, and the radio follows.
#[test]
fn the_tray_lists_the_output_devices_and_a_click_moves_the_sound() {
    let mut s = Session::with_servicedir("tray-output", &activation_dir());
    s.start_pipewire();
    s.load_null_sink("sinkB");
    s.set_default_sink("nullsink");
    let d = s.start_daemon(&[]);
    let mut tray = s.start_tray();
    let host = Host::start(&s);
    wait("the tray to register", &mut tray.0, || {
        host.item().is_some()
    });
    wait("the output menu to list sinkB", &mut tray.0, || {
        host.layout()
            .labelled("Output")
            .is_some_and(|o| o.children.iter().any(|e| e.label.contains("sinkB")))
    });
    let menu = host.layout();
    let output = menu.labelled("Output").unwrap();
    let labels: Vec<&str> = output.children.iter().map(|e| e.label.as_str()).collect();
    assert_eq!(labels.len(), 3, "{labels:?}");
    assert_eq!(labels[0], "Default output");
    assert!(output.children[0].toggled, "{labels:?}");
    assert!(output.children.iter().any(|e| e.label.contains("sinkB")));
    host.click_where(|m| {
        m.labelled("Output")?
            .children
            .iter()
            .find(|e| e.label.contains("sinkB"))
    });
    wait("the daemon to choose sinkB", &mut tray.0, || {
        s.property("OutputDevice") == "s \"sinkB\""
    });
    wait("sinkB to sound", &mut tray.0, || {
        services::rms(&s.record_from("sinkB", 0.25)) > 0.005
    });
    wait("the radio item to follow", &mut tray.0, || {
        host.layout().labelled("Output").is_some_and(|o| {
            o.children
                .iter()
                .any(|e| e.label.contains("sinkB") && e.toggled)
        })
    });
    drop(d);
}
