# Shared helpers for scripts/run and scripts/test: install what is missing, idempotently.
# Sourced, not executed.

SB_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_SB_APT_UPDATED=""

say() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

# ensure_apt PKG...: install the Debian packages that are not installed yet.
ensure_apt() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || die "missing Debian packages: ${missing[*]} (run as root or install them)"
    sudo="sudo"
  fi
  say "installing Debian packages: ${missing[*]}"
  if [ -z "$_SB_APT_UPDATED" ]; then
    $sudo apt-get update -qq >/dev/null || die "apt-get update failed"
    _SB_APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || die "apt-get install failed for: ${missing[*]}"
}

ensure_rust() {
  if ! command -v cargo >/dev/null; then
    [ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
  fi
  command -v cargo >/dev/null || die "cargo is required (install Rust with rustup: https://rustup.rs)"
}

# The UI is built with npm from its committed lockfile; skipped while ui/ has no package.json.
ensure_ui() {
  [ -f "$SB_ROOT/ui/package.json" ] || return 0
  command -v npm >/dev/null || ensure_apt nodejs npm
  local ui="$SB_ROOT/ui"
  if [ ! -d "$ui/node_modules" ] || [ "$ui/package-lock.json" -nt "$ui/node_modules/.package-lock.json" ]; then
    say "installing UI packages (npm ci)"
    (cd "$ui" && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci failed"
  fi
  if [ ! -f "$ui/dist/index.html" ] || [ -n "$(find "$ui/src" "$ui/index.html" "$ui/package.json" -newer "$ui/dist/index.html" 2>/dev/null | head -1)" ]; then
    say "building the UI"
    (cd "$ui" && npm run --silent build) || die "UI build failed"
  fi
}

# The super-line test project (tests/superline-ts): the peer framework by file: path
# (../shared/peers/super-line, copied in, see its .npmrc) and its npm dependencies at the versions
# the peer lists. Installed once, then again only when package.json changes; prefers the cache.
ensure_superline_ts() {
  local dir="$SB_ROOT/tests/superline-ts"
  # The peer sits beside the repository on the workplace's machines, not inside it (it is not
  # ours to commit). Where it is absent these checks cannot run: say so loudly and let the caller
  # skip them, unless SWITCHBOARD_REQUIRE_PEER=1 asks for a failure instead.
  if [ ! -d "$SB_ROOT/../shared/peers/super-line" ]; then
    [ "${SWITCHBOARD_REQUIRE_PEER:-0}" = 1 ] && die "tests/superline-ts needs the super-line peer in ../shared/peers/super-line"
    say "SKIPPED: the super-line peer is not at $SB_ROOT/../shared/peers/super-line; its checks do not run here"
    return 1
  fi
  if [ ! -d "$dir/node_modules" ] || [ "$dir/package.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    say "installing the super-line test project (npm install)"
    (cd "$dir" && npm install --prefer-offline --no-audit --no-fund --loglevel=error) || die "npm install failed in tests/superline-ts"
  fi
}

# System packages the project needs: the desktop window (WebKitGTK), Redis for cluster
# tests, Chromium for browser tests, Xvfb to run the window without a display.
ensure_system() {
  ensure_apt ca-certificates pkg-config redis-server \
    libwebkit2gtk-4.1-dev xvfb xauth chromium webkit2gtk-driver imagemagick
}

# tauri-driver (WebDriver for the desktop window), built from crates.io once.
ensure_tauri_driver() {
  [ -x "$HOME/.cargo/bin/tauri-driver" ] && export PATH="$HOME/.cargo/bin:$PATH"
  command -v tauri-driver >/dev/null && return 0
  say "installing tauri-driver (cargo install, about a minute)"
  cargo install tauri-driver --locked --quiet || die "cargo install tauri-driver failed"
  export PATH="$HOME/.cargo/bin:$PATH"
}
