//! The project's one set-up (`scripts/deps.sh`) is complete for the build: every crate in
//! `Cargo.lock` that links a system library finds it through pkg-config, and the Debian
//! package that ships that library's `.pc` file is on the set-up's "build" list. The
//! modules are read from the crates' own build scripts, so a new `*-sys` crate is checked
//! without anyone remembering to. Dropping `libdbus-1-dev` from the list fails here.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn deps_sh(args: &[&str], envs: &[(&str, &Path)]) -> std::process::Output {
    let mut c = Command::new("bash");
    c.arg(root().join("scripts/deps.sh")).args(args);
    for (k, v) in envs {
        c.env(k, v);
    }
    c.output().expect("bash runs scripts/deps.sh")
}

fn build_packages() -> BTreeSet<String> {
    let out = deps_sh(&["--list", "build"], &[]);
    assert!(out.status.success(), "deps.sh --list build failed");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// The pkg-config modules a build script asks for: `probe("m")`, `find_library("m")`,
/// `find("m")` of the `pkg_config` crate.
fn probed_modules(build_rs: &str) -> Vec<String> {
    let mut found = Vec::new();
    for call in [".probe(\"", "find_library(\"", ".find(\""] {
        let mut rest = build_rs;
        while let Some(at) = rest.find(call) {
            let tail = &rest[at + call.len()..];
            let end = tail.find('"').unwrap();
            found.push(tail[..end].to_owned());
            rest = &tail[end..];
        }
    }
    found
}

/// The pkg-config modules a crate declares for the `system-deps` build helper
/// (`[package.metadata.system-deps.KEY] name = "module"`, or the key itself).
fn system_deps_modules(manifest: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(manifest).unwrap();
    let value: toml::Value = toml::from_str(&text).unwrap();
    let Some(deps) = value
        .get("package")
        .and_then(|p| p.get("metadata"))
        .and_then(|m| m.get("system-deps"))
        .and_then(|d| d.as_table())
    else {
        return Vec::new();
    };
    deps.iter()
        .map(|(key, spec)| {
            spec.get("name")
                .and_then(|n| n.as_str())
                .unwrap_or(key)
                .to_owned()
        })
        .collect()
}

/// (crate, its `links` value, pkg-config modules its build script probes) for every
/// package Cargo resolves for this platform that declares `links`.
fn native_links() -> Vec<(String, String, Vec<String>)> {
    let host = String::from_utf8(Command::new("rustc").arg("-vV").output().unwrap().stdout)
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_owned))
        .unwrap();
    let out = Command::new(env!("CARGO"))
        .current_dir(root())
        .args([
            "metadata",
            "--format-version",
            "1",
            "--locked",
            "--filter-platform",
        ])
        .arg(&host)
        .output()
        .unwrap();
    assert!(out.status.success(), "cargo metadata failed");
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let resolved: BTreeSet<&str> = meta["resolve"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    let mut links = Vec::new();
    for p in meta["packages"].as_array().unwrap() {
        let (Some(link), true) = (
            p["links"].as_str(),
            resolved.contains(p["id"].as_str().unwrap()),
        ) else {
            continue;
        };
        let manifest = PathBuf::from(p["manifest_path"].as_str().unwrap());
        let build_rs = p["targets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| {
                t["kind"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|k| k == "custom-build")
            })
            .map(|t| PathBuf::from(t["src_path"].as_str().unwrap()))
            .unwrap_or_else(|| manifest.with_file_name("build.rs"));
        let text = std::fs::read_to_string(&build_rs).unwrap_or_default();
        let mut modules = probed_modules(&text);
        modules.extend(system_deps_modules(&manifest));
        links.push((
            p["name"].as_str().unwrap().to_owned(),
            link.to_owned(),
            modules,
        ));
    }
    links
}

/// The Debian package that ships `module.pc`, as dpkg knows it.
fn package_of_module(module: &str) -> String {
    let dir = Command::new("pkg-config")
        .args(["--variable=pcfiledir", module])
        .output()
        .expect("pkg-config is installed by deps.sh build");
    assert!(
        dir.status.success(),
        "pkg-config cannot find '{module}': run scripts/deps.sh build"
    );
    let pc = Path::new(String::from_utf8(dir.stdout).unwrap().trim()).join(format!("{module}.pc"));
    let pc = std::fs::canonicalize(&pc).unwrap_or(pc);
    let out = Command::new("dpkg-query")
        .arg("-S")
        .arg(&pc)
        .output()
        .expect("dpkg-query (Debian/Ubuntu)");
    assert!(
        out.status.success(),
        "no Debian package owns {}",
        pc.display()
    );
    let line = String::from_utf8(out.stdout).unwrap();
    line.split(':').next().unwrap().trim().to_owned()
}

#[test]
fn every_linked_system_library_has_its_dev_package_on_the_build_list() {
    let list = build_packages();
    let links = native_links();
    let names: Vec<&str> = links.iter().map(|(n, _, _)| n.as_str()).collect();
    // The tree links these today; if one is gone the lookup above broke, not the tree.
    for expected in ["libdbus-sys", "alsa-sys", "pipewire-sys"] {
        assert!(
            names.contains(&expected),
            "{expected} not found in {names:?}"
        );
    }
    let mut checked = Vec::new();
    for (krate, link, modules) in &links {
        for module in modules {
            let package = package_of_module(module);
            assert!(
                list.contains(&package),
                "{krate} (links \"{link}\") needs pkg-config module '{module}', shipped by the \
                 Debian package '{package}', which is not in scripts/deps.sh's build list {list:?}"
            );
            checked.push(format!("{krate} → {module} → {package}"));
        }
    }
    println!("{}", checked.join("\n"));
    for package in ["libdbus-1-dev", "libpipewire-0.3-dev"] {
        assert!(
            checked.iter().any(|c| c.ends_with(package)),
            "{package} was not checked: {checked:?}"
        );
    }
}

/// `deps.sh --check build` passes here (the test command installed everything), and
/// reports each library the build needs as missing when pkg-config cannot see it.
#[test]
fn the_check_mode_finds_each_missing_library() {
    let ok = deps_sh(&["--check", "build"], &[]);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stdout)
    );
    let search_path = String::from_utf8(
        Command::new("pkg-config")
            .args(["--variable", "pc_path", "pkg-config"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let modules: BTreeSet<String> = native_links().into_iter().flat_map(|(_, _, m)| m).collect();
    assert!(!modules.is_empty());
    for hidden in &modules {
        // A pkg-config search path with every .pc file but the hidden module's.
        let dir =
            std::env::temp_dir().join(format!("attuned-setup-{}-{hidden}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        for d in search_path.trim().split(':') {
            let Ok(entries) = std::fs::read_dir(d) else {
                continue;
            };
            for e in entries.flatten() {
                let name = e.file_name();
                if name != *format!("{hidden}.pc").as_str() && !dir.join(&name).exists() {
                    std::os::unix::fs::symlink(e.path(), dir.join(&name)).unwrap();
                }
            }
        }
        let out = deps_sh(&["--check", "build"], &[("PKG_CONFIG_LIBDIR", &dir)]);
        let said = String::from_utf8_lossy(&out.stdout).into_owned();
        let _ = std::fs::remove_dir_all(&dir);
        assert!(
            !out.status.success() && said.contains(&format!("'{hidden}'")),
            "with {hidden}.pc hidden, deps.sh --check build said:\n{said}"
        );
    }
}

/// No other shipped script or makefile installs Debian packages: the list is in one place.
#[test]
fn no_package_list_outside_deps_sh() {
    let mut files = vec![root().join("Makefile"), root().join(".ci/run")];
    for e in std::fs::read_dir(root().join("scripts")).unwrap().flatten() {
        if e.file_name() != "deps.sh" {
            files.push(e.path());
        }
    }
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        assert!(
            !text.contains("apt-get install") && !text.contains("apt install"),
            "{} installs packages itself; use scripts/deps.sh",
            f.display()
        );
    }
}
