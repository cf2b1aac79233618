//! Rebuild when the UI bundle changes: the assets are embedded at compile time, and a file newly
//! added to `ui/dist` would otherwise go unnoticed until something else changed.
fn main() {
    println!("cargo:rerun-if-changed=../ui/dist");
}
