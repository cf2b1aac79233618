//! Tauri's build step (reads tauri.conf.json and capabilities/), plus a rerun trigger for the
//! UI bundle so files newly added to `ui/dist` are picked up.
fn main() {
    println!("cargo:rerun-if-changed=../ui/dist");
    tauri_build::build()
}
