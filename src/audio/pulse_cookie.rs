//! The cookie a PulseAudio client shows when it connects, where cpal's client looks for it.
//!
//! libpulse (pactl, a browser) finds its cookie at `$PULSE_COOKIE`, else
//! `$XDG_CONFIG_HOME/pulse/cookie`, and creates a random one there when there is none.
//! cpal's PulseAudio client (the `pulseaudio` crate) only reads `$PULSE_COOKIE`,
//! `~/.config/pulse/cookie` or `~/.pulse-cookie`, and shows an empty cookie when none is
//! there, which pipewire-pulse refuses ("server error: Invalid"): on a machine where no
//! libpulse program has run yet, or with `XDG_CONFIG_HOME` moved, attuned could not play
//! through pipewire-pulse at all. So before that host is used, the cookie is put where cpal
//! looks: libpulse's own if there is one, else a new random one, as libpulse would make it.
//! (A PulseAudio server lets its own user in whatever the cookie; pipewire-pulse checks only
//! its length.)

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// libpulse's cookie length (`PA_NATIVE_COOKIE_LENGTH`).
pub const COOKIE_BYTES: usize = 256;

/// Where cpal's client reads a cookie, in its order, for `home`.
fn read_by_cpal(home: &Path) -> [PathBuf; 2] {
    [
        home.join(".config/pulse/cookie"),
        home.join(".pulse-cookie"),
    ]
}

/// Puts a cookie where cpal's client reads it, unless one is there (or `$PULSE_COOKIE`
/// names one). Returns the file written, if any.
pub fn ensure() -> Result<Option<PathBuf>, String> {
    if std::env::var_os("PULSE_COOKIE").is_some() {
        return Ok(None);
    }
    let Some(home) = std::env::var_os("HOME").map(PathBuf::from) else {
        return Ok(None);
    };
    let libpulse = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|d| d.is_absolute())
        .unwrap_or_else(|| home.join(".config"))
        .join("pulse/cookie");
    ensure_in(&home, &libpulse)
}

/// [`ensure`] for a given home and libpulse cookie path.
fn ensure_in(home: &Path, libpulse: &Path) -> Result<Option<PathBuf>, String> {
    let [target, legacy] = read_by_cpal(home);
    if target.exists() || legacy.exists() {
        return Ok(None);
    }
    let cookie = match read_cookie(libpulse) {
        Some(c) => c,
        None => random_cookie()?,
    };
    write_private(&target, &cookie).map_err(|e| format!("{}: {e}", target.display()))?;
    Ok(Some(target))
}

/// A cookie file's bytes, if it is a regular file holding one of the right length
/// (libpulse ignores others; a FIFO is not waited on).
fn read_cookie(path: &Path) -> Option<Vec<u8>> {
    let bytes = crate::input_file::read(path, COOKIE_BYTES as u64).ok()?;
    (bytes.len() == COOKIE_BYTES).then_some(bytes)
}

fn random_cookie() -> Result<Vec<u8>, String> {
    let mut bytes = vec![0u8; COOKIE_BYTES];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .map_err(|e| format!("/dev/urandom: {e}"))?;
    Ok(bytes)
}

/// Written whole or not at all, readable by its owner only (a cookie is a secret).
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(".cookie.attuned-{}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("attuned-cookie-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_new_cookie_is_random_private_and_kept() {
        let home = scratch("new");
        let written = ensure_in(&home, &home.join("elsewhere/pulse/cookie")).unwrap();
        let path = home.join(".config/pulse/cookie");
        assert_eq!(written.as_deref(), Some(path.as_path()));
        let first = std::fs::read(&path).unwrap();
        assert_eq!(first.len(), COOKIE_BYTES);
        assert!(first.iter().any(|b| *b != 0), "all zeros");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        // There now: left alone.
        assert_eq!(ensure_in(&home, &home.join("x")).unwrap(), None);
        assert_eq!(std::fs::read(&path).unwrap(), first);
        let _ = std::fs::remove_dir_all(&home);
    }

    #[test]
    fn libpulses_cookie_is_the_one_shown() {
        let home = scratch("libpulse");
        let libpulse = home.join("xdg/pulse/cookie");
        std::fs::create_dir_all(libpulse.parent().unwrap()).unwrap();
        let theirs: Vec<u8> = (0..COOKIE_BYTES).map(|i| i as u8).collect();
        std::fs::write(&libpulse, &theirs).unwrap();
        ensure_in(&home, &libpulse).unwrap();
        assert_eq!(
            std::fs::read(home.join(".config/pulse/cookie")).unwrap(),
            theirs
        );
        // A file of the wrong length is not a cookie: a new one is made instead.
        let home2 = scratch("short");
        std::fs::write(&libpulse, b"short").unwrap();
        ensure_in(&home2, &libpulse).unwrap();
        let made = std::fs::read(home2.join(".config/pulse/cookie")).unwrap();
        assert_eq!(made.len(), COOKIE_BYTES);
        let _ = std::fs::remove_dir_all(&home);
        let _ = std::fs::remove_dir_all(&home2);
    }

    #[test]
    fn an_existing_legacy_cookie_is_left_alone() {
        let home = scratch("legacy");
        std::fs::write(home.join(".pulse-cookie"), [7u8; COOKIE_BYTES]).unwrap();
        assert_eq!(ensure_in(&home, &home.join("none")).unwrap(), None);
        assert!(!home.join(".config/pulse/cookie").exists());
        let _ = std::fs::remove_dir_all(&home);
    }
}
