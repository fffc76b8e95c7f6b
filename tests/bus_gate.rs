//! The bus's front door, through a real private session bus: every method of our interface
//! and MPRIS's, and the standard Properties interface at both objects, refuses a call whose
//! arguments are of the wrong type or number with `InvalidArgs` (zbus had answered its own
//! `org.freedesktop.zbus.Error`); `Set` on a read-only property is `PropertyReadOnly`; a
//! name or argument of 1 MiB gets a reply under 1 KiB; and the daemon's memory comes back
//! after twenty 10 MiB calls. Methods and properties are listed by `busctl introspect`.

mod services;

use services::Session;
use std::time::Duration;
use zbus::zvariant::Value;

const INVALID: &str = "org.freedesktop.DBus.Error.InvalidArgs";

const OURS: (&str, &str) = ("io.github.Attuned", "/io/github/Attuned");
const MPRIS: (&str, &str) = ("org.mpris.MediaPlayer2.attuned", "/org/mpris/MediaPlayer2");

/// What an interface offers, as `busctl introspect` lists it: (kind, name, signature, flags).
fn members(s: &Session, (dest, path): (&str, &str), iface: &str) -> Vec<[String; 4]> {
    let out = services::ok(s.busctl(&["introspect", "--no-legend", dest, path, iface]));
    out.lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let kind = *f.get(1)?;
            let sig = f.get(2).map_or("", |x| if *x == "-" { "" } else { x });
            Some([
                kind.to_owned(),
                f[0].trim_start_matches('.').to_owned(),
                sig.to_owned(),
                f.last().unwrap().to_string(),
            ])
        })
        .collect()
}

/// The error a call gets: (name, description); a success is a failure of the test.
async fn error_of<B>(
    conn: &zbus::Connection,
    (dest, path): (&str, &str),
    iface: &str,
    method: &str,
    body: &B,
) -> (String, String)
where
    B: serde::Serialize + zbus::zvariant::DynamicType,
{
    match conn
        .call_method(Some(dest), path, Some(iface), method, body)
        .await
    {
        Err(zbus::Error::MethodError(name, desc, _)) => {
            (name.to_string(), desc.unwrap_or_default())
        }
        other => panic!("{iface}.{method}: {other:?}"),
    }
}

async fn connect(s: &Session) -> zbus::Connection {
    zbus::connection::Builder::address(s.bus_address().as_str())
        .unwrap()
        .build()
        .await
        .unwrap()
}

#[test]
fn every_door_refuses_wrong_arguments_with_invalid_args() {
    let s = Session::new("gate");
    let d = s.start_daemon(&[]);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let conn = rt.block_on(connect(&s));
    let mut refused = 0;
    for (object, iface) in [
        (OURS, "io.github.Attuned1"),
        (MPRIS, "org.mpris.MediaPlayer2"),
        (MPRIS, "org.mpris.MediaPlayer2.Player"),
        (OURS, "org.freedesktop.DBus.Properties"),
        (MPRIS, "org.freedesktop.DBus.Properties"),
    ] {
        let methods: Vec<_> = members(&s, object, iface)
            .into_iter()
            .filter(|m| m[0] == "method")
            .collect();
        assert!(methods.len() >= 2, "{iface}: {methods:?}");
        for [_, method, sig, _] in &methods {
            // No method takes a lone byte; a method that takes something gets nothing.
            let (name, desc) = if sig.is_empty() {
                rt.block_on(error_of(&conn, object, iface, method, &(7u8,)))
            } else {
                rt.block_on(error_of(&conn, object, iface, method, &()))
            };
            assert_eq!(name, INVALID, "{iface}.{method}({sig}): {desc}");
            assert!(
                desc.contains(&format!("expected arguments `{sig}`")),
                "{desc}"
            );
            // One more argument than it takes.
            let extra = rt.block_on(error_of(&conn, object, iface, method, &("x", 7u8)));
            assert_eq!(extra.0, INVALID, "{iface}.{method}({sig}) + 2: {}", extra.1);
            refused += 2;
        }
    }
    eprintln!("{refused} calls refused with InvalidArgs");

    // Read-only properties say so; unknown ones are quoted, not echoed.
    for (object, iface) in [
        (OURS, "io.github.Attuned1"),
        (MPRIS, "org.mpris.MediaPlayer2"),
        (MPRIS, "org.mpris.MediaPlayer2.Player"),
    ] {
        let props = members(&s, object, iface);
        let read_only: Vec<_> = props
            .iter()
            .filter(|m| m[0] == "property" && !m[3].contains("writable"))
            .collect();
        assert!(!read_only.is_empty(), "{iface}: {props:?}");
        for [_, prop, _, _] in read_only {
            let (name, desc) = rt.block_on(error_of(
                &conn,
                object,
                "org.freedesktop.DBus.Properties",
                "Set",
                &(iface, prop.as_str(), Value::from(1.0)),
            ));
            assert_eq!(
                name, "org.freedesktop.DBus.Error.PropertyReadOnly",
                "{prop}: {desc}"
            );
        }
    }
    let huge = "P".repeat(60_000);
    for (method, body) in [("Get", Value::from(0u8)), ("Set", Value::from(1.0))] {
        let (name, desc) = if method == "Get" {
            rt.block_on(error_of(
                &conn,
                OURS,
                "org.freedesktop.DBus.Properties",
                method,
                &("io.github.Attuned1", huge.as_str()),
            ))
        } else {
            rt.block_on(error_of(
                &conn,
                OURS,
                "org.freedesktop.DBus.Properties",
                method,
                &("io.github.Attuned1", huge.as_str(), body),
            ))
        };
        assert_eq!(
            name, "org.freedesktop.DBus.Error.UnknownProperty",
            "{desc:.200}"
        );
        assert!(
            desc.contains("(60000 bytes)") && desc.len() < 300,
            "{desc:.300}"
        );
    }
    // Nothing was done: still playing at the default volume.
    assert_eq!(s.property("PlaybackState"), "s \"Playing\"");
    let (status, _, log) = d.terminate();
    assert!(status.success(), "{log}");
}

/// Resident memory of a process, bytes.
fn rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    kb * 1024
}

#[test]
fn big_calls_are_refused_small_and_their_memory_given_back() {
    let s = Session::new("gate-big");
    let d = s.start_daemon(&[]);
    let pid = d.child.id();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let conn = rt.block_on(connect(&s));
    std::thread::sleep(Duration::from_secs(2));
    let before = rss(pid);

    // 1 MiB: refused before it is read, in a short reply.
    let mib = "n".repeat(1 << 20);
    let (name, desc) = rt.block_on(error_of(
        &conn,
        OURS,
        "io.github.Attuned1",
        "SetPreset",
        &(mib.as_str(),),
    ));
    assert_eq!(
        name, "org.freedesktop.DBus.Error.LimitsExceeded",
        "{desc:.200}"
    );
    assert!(desc.len() < 1024, "a reply of {} bytes", desc.len());
    // Under the limit, a bad name is still quoted, not echoed.
    let (name, desc) = rt.block_on(error_of(
        &conn,
        OURS,
        "io.github.Attuned1",
        "SetPreset",
        &(&mib[..60_000],),
    ));
    assert_eq!(name, INVALID, "{desc:.200}");
    assert!(desc.len() < 1024, "a reply of {} bytes", desc.len());

    // Twenty 10 MiB calls, and ten seconds to settle.
    let big = "b".repeat(10 << 20);
    for _ in 0..20 {
        let (name, _) = rt.block_on(error_of(
            &conn,
            OURS,
            "io.github.Attuned1",
            "SetPreset",
            &(big.as_str(),),
        ));
        assert_eq!(name, "org.freedesktop.DBus.Error.LimitsExceeded");
    }
    let peak = rss(pid);
    std::thread::sleep(Duration::from_secs(10));
    let after = rss(pid);
    let mb = |b: u64| b as f64 / 1e6;
    eprintln!(
        "daemon RSS: {:.1} MB before, {:.1} MB after twenty 10 MiB calls, {:.1} MB ten seconds later",
        mb(before),
        mb(peak),
        mb(after)
    );
    assert!(after <= 64_000_000, "{:.1} MB ten seconds after", mb(after));
    assert_eq!(s.property("PlaybackState"), "s \"Playing\"");
    let (status, _, log) = d.terminate();
    assert!(status.success(), "{log}");
}

/// The names in the first column of a table in `docs/api.md`'s section `heading`.
fn documented(api: &str, heading: &str) -> std::collections::BTreeSet<String> {
    let section = api
        .split("\n## ")
        .find(|s| s.starts_with(heading))
        .unwrap_or_else(|| panic!("docs/api.md has no section {heading}"));
    section
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .flat_map(|l| {
            let cell = l.split(" | ").next().unwrap_or("");
            format!("`{cell}")
                .split('`')
                .skip(1)
                .step_by(2)
                .map(|n| n.split('(').next().unwrap().trim().to_owned())
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn the_api_reference_lists_exactly_what_the_daemon_offers() {
    let s = Session::new("gate-doc");
    let d = s.start_daemon(&[]);
    let api = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/api.md")).unwrap();
    let offered = members(&s, OURS, "io.github.Attuned1");
    for (kind, heading) in [("method", "Methods"), ("property", "Properties")] {
        let live: std::collections::BTreeSet<String> = offered
            .iter()
            .filter(|m| m[0] == kind)
            .map(|m| m[1].clone())
            .collect();
        let docs = documented(&api, heading);
        let undocumented: Vec<_> = live.difference(&docs).collect();
        let gone: Vec<_> = docs.difference(&live).collect();
        assert!(
            undocumented.is_empty() && gone.is_empty(),
            "docs/api.md {heading}: not documented {undocumented:?}; documented but not offered {gone:?}"
        );
        eprintln!("{heading}: {} documented, as offered", live.len());
    }
    drop(d);
}
