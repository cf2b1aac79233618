//! Whether this session has a display to open a window on.

/// True when `DISPLAY` (X11) or `WAYLAND_DISPLAY` (Wayland) is set and not empty.
pub fn available() -> bool {
    ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty()))
}
