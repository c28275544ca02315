# Shared helpers of Mixpilot's scripts. Source it; don't run it.
# shellcheck shell=bash

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# One target folder outside the clone, shared by every checkout and by CI.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/mixpilot-target}"
# apalis-sqlite compiles sqlx queries against shipped offline data; never a live database.
export SQLX_OFFLINE=true

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# Runs a command as root: directly when we are root, else through sudo.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Installs Debian packages that are missing. Usage: ensure_apt pkg...
ensure_apt() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    say "Installing Debian packages: ${missing[*]}"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

# What the Rust build needs from the system: HiGHS builds from C++ with cmake, and its bindings
# need libclang.
ensure_build_packages() {
  ensure_apt build-essential cmake clang libclang-dev pkg-config
}

# The wasm target and wasm-bindgen-cli at exactly the version Cargo.lock pins.
ensure_wasm_toolchain() {
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "Adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
  local want
  want="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock")"
  if [ -z "$want" ]; then
    echo "cannot find wasm-bindgen's version in Cargo.lock" >&2
    exit 1
  fi
  if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$want" ]; then
    say "Installing wasm-bindgen-cli $want (takes a few minutes, once)"
    # Not --locked: its lockfile pins a crate version the registry no longer offers.
    cargo install wasm-bindgen-cli --version "$want"
  fi
}

# Builds the browser bundle into site/pkg: the `web` crate with `hydrate`, for wasm, in the
# size-optimized `wasm-release` profile, then wasm-bindgen.
build_site() {
  say "Building the browser bundle (site/pkg)"
  (cd "$ROOT" && cargo build -p web --lib --target wasm32-unknown-unknown \
    --no-default-features --features hydrate --profile wasm-release)
  mkdir -p "$ROOT/site/pkg"
  wasm-bindgen --target web --no-typescript --out-dir "$ROOT/site/pkg" --out-name web \
    "$CARGO_TARGET_DIR/wasm32-unknown-unknown/wasm-release/web.wasm"
}

# Builds every crate of the workspace (always the whole workspace, so dependency features
# unify the same way in every build and HiGHS is compiled once).
build_workspace() {
  say "Building the workspace"
  (cd "$ROOT" && cargo build --workspace --all-targets)
}

mixpilot_bin() {
  echo "$CARGO_TARGET_DIR/debug/mixpilot"
}
