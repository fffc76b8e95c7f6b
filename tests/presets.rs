//! Preset files: every shipped one parses and has its spectrogram thumbnail in the README;
//! broken ones are refused with file:line:column.

use attuned::preset::{Preset, PresetError, PresetLibrary};

const GOOD: &str = include_str!("../presets/focus.toml");

fn err(src: &str) -> String {
    Preset::parse("test.toml", src)
        .expect_err("should be refused")
        .to_string()
}

#[test]
fn every_shipped_preset_parses() {
    let mut n = 0;
    for entry in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/presets")).unwrap() {
        let path = entry.unwrap().path();
        let p = Preset::load(&path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            Some(p.name.as_str()),
            path.file_stem().and_then(|s| s.to_str())
        );
        n += 1;
    }
    assert!(n >= 5);
    assert_eq!(
        PresetLibrary::with_user_dir("/nonexistent").names().len(),
        n
    );
}

/// `scripts/thumbnails.sh` made a picture of every built-in preset, and the README shows it.
#[test]
fn every_preset_has_its_thumbnail_in_the_readme() {
    let root = env!("CARGO_MANIFEST_DIR");
    let readme = std::fs::read_to_string(format!("{root}/README.md")).unwrap();
    for name in PresetLibrary::with_user_dir("/nonexistent").names() {
        let rel = format!("docs/presets/{name}.png");
        let png = image::open(format!("{root}/{rel}"))
            .unwrap_or_else(|e| panic!("{rel}: {e} (run scripts/thumbnails.sh {name})"));
        assert_eq!((png.width(), png.height()), (240, 80), "{rel}");
        assert!(
            readme.contains(&format!("({rel})")),
            "the README does not show {rel}"
        );
    }
}

/// The older `[harmony] progression` + `bars_per_chord` still reads: the progression as a
/// preferred path through the grammar, the bars as a fixed harmonic rhythm.
#[test]
fn the_older_harmony_table_still_reads() {
    let old = GOOD.replace(
        "rhythm = [2, 4]",
        "progression = [1, 4, 7, 5]\nbars_per_chord = 2",
    );
    let p = Preset::parse("old.toml", &old).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(p.harmony.progression, vec![0, 3, 6, 4]);
    assert_eq!(p.harmony.rhythm, (2, 2));
}

#[test]
fn syntax_error_names_line_and_column() {
    let src = GOOD.replace("tuning = \"just\"", "tuning = just\"");
    let line = GOOD.lines().position(|l| l.starts_with("tuning")).unwrap() + 1;
    let e = err(&src);
    assert!(e.starts_with(&format!("test.toml:{line}:")), "{e}");
}

#[test]
fn unknown_key_is_refused_with_location() {
    let src = GOOD.replace("[rhythm]\n", "[rhythm]\nswing = 0.3\n");
    let line = src.lines().position(|l| l.starts_with("swing")).unwrap() + 1;
    let e = err(&src);
    assert!(e.starts_with(&format!("test.toml:{line}:1:")), "{e}");
    assert!(e.contains("swing"), "{e}");
}

#[test]
fn unknown_parameter_and_out_of_range_values_are_refused() {
    let e = err(&format!("{GOOD}\n[params.pad]\nwobble = 0.5\n"));
    assert!(e.contains("unknown parameter `pad.wobble`"), "{e}");
    let e = err(&format!(
        "{GOOD}\n[params.pad]\ncutoff = {{ control = \"brightness\", range = [10.0, 90000.0] }}\n"
    ));
    assert!(e.contains("pad.cutoff") && e.contains("within"), "{e}");
    let e = err(&format!(
        "{GOOD}\n[params.pad]\ncutoff = {{ control = \"loudness\", range = [100.0, 900.0] }}\n"
    ));
    assert!(e.contains("test.toml:"), "{e}");
    let e = err(&GOOD.replace("reach = 2", "progression = [1, 9]"));
    assert!(e.contains("progression"), "{e}");
    let e = err(&GOOD.replace("rhythm = [2, 4]", "rhythm = [4, 2]"));
    assert!(e.contains("rhythm") && e.starts_with("test.toml:"), "{e}");
    let e = err(&GOOD.replace("reach = 2", "reach = 7"));
    assert!(e.contains("reach 7"), "{e}");
    let e = err(&GOOD.replace("reach = 2", "bars_per_chord = 2"));
    assert!(e.contains("not both"), "{e}");
    let e = err(&GOOD.replace("energy = 0.4", "energy = 1.4"));
    assert!(e.contains("outside 0..=1"), "{e}");
    let e = err(&GOOD.replace("scale = \"dorian\"", "scale = \"klingon\""));
    assert!(e.contains("klingon"), "{e}");
    // The composer and the breath lead are chosen by name and by flag.
    // (A top-level key goes before the first table.)
    let with = |line: &str| GOOD.replacen("\n[", &format!("\n{line}\n["), 1);
    let e = err(&with("composer = \"robot\""));
    assert!(e.starts_with("test.toml:") && e.contains("robot"), "{e}");
    let e = err(&with("breath_lead = \"yes\""));
    assert!(e.starts_with("test.toml:"), "{e}");
    let p = Preset::parse(
        "test.toml",
        &with("composer = \"rules\"\nbreath_lead = true"),
    )
    .unwrap();
    assert_eq!(p.composer, attuned::preset::Composer::Rules);
    assert!(p.breath_lead);
    // Instruments are picked by name; an unknown one is refused where it stands, with the
    // names there are.
    let with_voices = |v: &str| GOOD.replacen("\n[voices]\n", &format!("\n[voices]\n{v}\n"), 1);
    let e = err(&with_voices("melody = \"theremin\""));
    assert!(e.starts_with("test.toml:") && e.contains("theremin"), "{e}");
    assert!(e.contains("pluck") && e.contains("kalimba"), "{e}");
    let e = err(&with_voices("drums = \"kit\""));
    assert!(e.starts_with("test.toml:") && e.contains("drums"), "{e}");
    let p = Preset::parse(
        "test.toml",
        &with_voices("chords = \"strings\"\nmelody = \"marimba\""),
    )
    .unwrap();
    use attuned::preset::instruments::{ChordInstrument, MelodyInstrument};
    assert_eq!(p.voices.chords, ChordInstrument::Strings);
    assert_eq!(p.voices.melody, MelodyInstrument::Marimba);
    let p = Preset::parse("test.toml", GOOD).unwrap();
    assert_eq!(
        p.voices.melody,
        MelodyInstrument::Bells,
        "bells unless a preset says"
    );
    assert_eq!(p.composer, attuned::preset::Composer::Learned);
    assert!(!p.breath_lead, "focus does not lead breathing");
}

#[test]
fn user_presets_override_builtins_and_bad_names_are_refused() {
    let dir = std::env::temp_dir().join(format!("attuned-presets-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("focus.toml"),
        GOOD.replace("title = \"Focus\"", "title = \"My Focus\""),
    )
    .unwrap();
    std::fs::write(
        dir.join("mine.toml"),
        GOOD.replace("name = \"focus\"", "name = \"mine\""),
    )
    .unwrap();
    let lib = PresetLibrary::with_user_dir(&dir);
    assert_eq!(lib.load("focus").unwrap().title, "My Focus");
    assert_eq!(lib.load("sleep").unwrap().title, "Sleep");
    assert!(lib.names().contains(&"mine".to_string()));
    for bad in ["../x", "/etc/passwd", "a.b", ""] {
        assert!(
            matches!(lib.load(bad), Err(PresetError::BadName(_))),
            "{bad}"
        );
    }
    assert!(matches!(lib.load("nope"), Err(PresetError::Unknown(_))));
    // A broken override falls back to the built-in (its problem told), a broken preset of
    // the user's own is not listed.
    std::fs::write(dir.join("focus.toml"), "name = \"focus\"\nbogus = 1\n").unwrap();
    std::fs::write(dir.join("broken.toml"), "name = \"broken\"\nbogus = 1\n").unwrap();
    assert_eq!(lib.load("focus").unwrap().title, "Focus");
    assert!(lib.load("broken").is_err());
    let names = lib.names();
    assert!(names.contains(&"focus".to_string()) && !names.contains(&"broken".to_string()));
    let problems = lib.problems();
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(
        problems.iter().any(|p| p.contains("focus.toml:")),
        "{problems:?}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}
