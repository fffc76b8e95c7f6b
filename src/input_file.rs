//! Reading a file a user names or a disk holds (config, state, presets, motifs, models,
//! control tracks, recorded sessions), checked before it is read: it must be a regular
//! file of at most a size set per kind. Anything else is an error naming what it is.
//!
//! Read as `std::fs::read` reads, a FIFO at the state file's path hung the daemon before
//! it reached the bus (and SIGTERM no longer ended it), and a config or model linked to
//! `/dev/zero` was read until memory ran out. Here the file is opened without blocking
//! (opening a FIFO with no writer returns at once), its type and size are taken from the
//! open file (no race with a rename between a check and the read), and the read stops a
//! byte past the limit (a file that grows while it is read is refused too).
//!
//! Errors are `std::io::Error`s, so callers keep telling a missing file
//! ([`ErrorKind::NotFound`]) from a bad one, and print them after the path as before.

use std::fs::{File, OpenOptions};
use std::io::{Error, ErrorKind, Read};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

/// The most a text setting file may hold: config, state, a preset, a control track.
pub const TEXT_LIMIT: u64 = 1 << 20;
/// The most a motif's MIDI file may hold (a motif is at most 64 notes).
pub const MIDI_LIMIT: u64 = 1 << 20;
/// The most a model may weigh (the shipped ones are 15 KB and 210 KB).
pub const MODEL_LIMIT: u64 = 64 << 20;
/// The most a recorded session may hold (a night of readings is a few MB).
pub const RECORDING_LIMIT: u64 = 256 << 20;

/// The bytes of the regular file at `path`, at most `limit` of them.
pub fn read(path: &Path, limit: u64) -> Result<Vec<u8>, Error> {
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)?;
    let size = checked_size(&file, limit)?;
    let mut bytes = Vec::with_capacity(size as usize);
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(too_large(limit));
    }
    Ok(bytes)
}

/// The text of the regular file at `path` (UTF-8), at most `limit` bytes of it.
pub fn read_to_string(path: &Path, limit: u64) -> Result<String, Error> {
    String::from_utf8(read(path, limit)?)
        .map_err(|e| Error::new(ErrorKind::InvalidData, format!("not UTF-8 text ({e})")))
}

/// The open file's size, if it is a regular file within `limit`.
fn checked_size(file: &File, limit: u64) -> Result<u64, Error> {
    let meta = file.metadata()?;
    let kind = meta.file_type();
    let what = if kind.is_file() {
        None
    } else if kind.is_dir() {
        Some("a directory")
    } else if kind.is_fifo() {
        Some("a FIFO")
    } else if kind.is_char_device() {
        Some("a character device")
    } else if kind.is_block_device() {
        Some("a block device")
    } else if kind.is_socket() {
        Some("a socket")
    } else {
        Some("not a file")
    };
    if let Some(what) = what {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            format!("{what}, not a regular file"),
        ));
    }
    if meta.len() > limit {
        return Err(too_large(limit));
    }
    Ok(meta.len())
}

fn too_large(limit: u64) -> Error {
    Error::new(
        ErrorKind::InvalidData,
        format!("larger than the {} bytes such a file may hold", limit),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;

    /// A fresh directory of its own for test `name` (removed when dropped).
    struct Scratch(std::path::PathBuf);
    impl Scratch {
        fn new(name: &str) -> Self {
            let dir = std::env::temp_dir().join(format!("attuned-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            Scratch(dir)
        }
        fn path(&self) -> &Path {
            &self.0
        }
    }
    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn mkfifo(path: &Path) {
        let c = CString::new(path.as_os_str().as_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path; mkfifo only creates the node.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
    }

    #[test]
    fn a_regular_file_is_read_whole() {
        let dir = Scratch::new("regular");
        let path = dir.path().join("a.toml");
        std::fs::write(&path, "name = \"x\"\n").unwrap();
        assert_eq!(read_to_string(&path, 100).unwrap(), "name = \"x\"\n");
        // Exactly at the limit is allowed.
        assert_eq!(read(&path, 11).unwrap().len(), 11);
    }

    #[test]
    fn what_is_not_a_regular_file_is_refused_at_once_and_named() {
        let dir = Scratch::new("not-files");
        let fifo = dir.path().join("state.json");
        mkfifo(&fifo);
        let link = dir.path().join("zero.onnx");
        std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
        for (path, what) in [
            (fifo.as_path(), "a FIFO"),
            (Path::new("/dev/zero"), "a character device"),
            (link.as_path(), "a character device"),
            (dir.path(), "a directory"),
        ] {
            // A FIFO with no writer would block `std::fs::read` for ever; here it returns.
            let e = read(path, MODEL_LIMIT).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidInput, "{}: {e}", path.display());
            assert!(e.to_string().starts_with(what), "{}: {e}", path.display());
        }
    }

    #[test]
    fn too_large_missing_and_not_text_are_told_apart() {
        let dir = Scratch::new("too-large");
        let path = dir.path().join("big.mid");
        std::fs::write(&path, vec![0u8; 1000]).unwrap();
        let e = read(&path, 999).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidData);
        assert!(e.to_string().contains("larger than the 999 bytes"), "{e}");
        let e = read(&dir.path().join("none"), 10).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound);
        std::fs::write(&path, [0xff, 0xfe, 0x00]).unwrap();
        let e = read_to_string(&path, 10).unwrap_err();
        assert!(e.to_string().starts_with("not UTF-8"), "{e}");
    }
}
