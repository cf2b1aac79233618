//! Property tests standing in for the import fuzz targets on stable (`import_jsonl`,
//! `import_sqlite`, `import_destination`): arbitrary bytes and mutations of the committed
//! corpus never panic an import; a refused one keeps nothing, a refused destination stays
//! byte-identical, and every refusal says why. `PROPTEST_CASES` sets how many inputs (256 by
//! default, fewer here for the file-backed targets; see docs/fuzzing.md).
//!
//! The JSONL and SQLite seeds are real exports of a small capture; run this module with
//! `SWITCHBOARD_UPDATE_CORPUS=1` to write them again after the export format changes.

use proptest::prelude::*;
use switchboard_capture::fuzz;
use switchboard_capture::{export, CaptureReader, ExportFormat, ExportOptions, Redaction};
use switchboard_server::tap::Tap;
use switchboard_testkit::mutations::{bytes_from, corpus, corpus_dir};

use crate::support::*;

/// File-backed cases cost a few milliseconds each: a quarter of the cases asked for.
fn config() -> ProptestConfig {
    let base = ProptestConfig::default();
    ProptestConfig {
        cases: (base.cases / 4).max(16),
        ..base
    }
}

fn write_corpus() {
    let src = temp_capture();
    {
        let rec = recorder(&src.path);
        rec.observe(&connect("c1", "user", "alice"));
        rec.observe(&room_add("c1", "lobby"));
        for i in 0..6 {
            rec.observe(&synthetic(i));
        }
    }
    let reader = CaptureReader::open(&src.path).expect("open");
    let opts = ExportOptions {
        redaction: Redaction::none(),
        ..ExportOptions::default()
    };
    let jsonl = corpus_dir("import_jsonl").join("small.jsonl");
    let sqlite = corpus_dir("import_sqlite").join("small.db");
    export(&reader, ExportFormat::Jsonl, &jsonl, &opts, &mut |_| {}).expect("jsonl");
    export(&reader, ExportFormat::Sqlite, &sqlite, &opts, &mut |_| {}).expect("sqlite");
    std::fs::copy(&sqlite, corpus_dir("import_destination").join("capture.db")).expect("copy");
}

#[test]
fn the_corpus_imports() {
    if std::env::var_os("SWITCHBOARD_UPDATE_CORPUS").is_some() {
        write_corpus();
    }
    for seed in corpus("import_jsonl") {
        assert!(fuzz::import_source(&seed).expect("a JSONL export imports") > 0);
    }
    for seed in corpus("import_sqlite") {
        assert!(fuzz::import_sqlite(&seed).expect("a SQLite export imports") > 0);
    }
    let source = &corpus("import_jsonl")[0];
    let capture = std::fs::read(corpus_dir("import_destination").join("capture.db")).unwrap();
    assert!(fuzz::import_destination(&capture, source).expect("into a capture") > 0);
    let refused = fuzz::import_destination(b"not a database at all", source).unwrap_err();
    assert!(!refused.is_empty());
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn any_jsonl_is_imported_whole_or_not_at_all(
        data in bytes_from(corpus("import_jsonl"), 2048)
    ) {
        let _ = fuzz::import_source(&data);
    }

    #[test]
    fn any_sqlite_file_is_imported_whole_or_not_at_all(
        data in bytes_from(corpus("import_sqlite"), 2048)
    ) {
        let _ = fuzz::import_sqlite(&data);
    }

    #[test]
    fn a_refused_destination_is_left_as_it_was(
        data in bytes_from(corpus("import_destination"), 2048)
    ) {
        let source = &corpus("import_jsonl")[0];
        let _ = fuzz::import_destination(&data, source);
    }
}
