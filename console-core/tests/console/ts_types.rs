//! The committed TypeScript declarations match the Rust types. Regenerate with
//! `SWITCHBOARD_UPDATE_TYPES=1 cargo test -p switchboard-console-core --test console ts_types`.

use std::path::PathBuf;

use switchboard_console_core::types::{typescript, TYPESCRIPT_PATH};

#[test]
fn generated_typescript_matches_the_rust_types() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(TYPESCRIPT_PATH);
    let expected = typescript();
    if std::env::var_os("SWITCHBOARD_UPDATE_TYPES").is_some() {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("create the generated folder");
        }
        std::fs::write(&path, &expected).expect("write the generated types");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == expected,
        "{} is out of date with the Rust types in console-core/src/types.\n\
         Regenerate it with: SWITCHBOARD_UPDATE_TYPES=1 cargo test -p switchboard-console-core --test console ts_types",
        path.display()
    );
}
