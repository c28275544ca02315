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

# The public MMM datasets the model tests score against.
# Exports MIXPILOT_DATASETS_DIR: the caller's value, else shared/datasets next to the checkout
# (where the Rust tests also look), else a cache folder, downloaded from the pinned upstream
# commits and checked by SHA-256. No other place is searched.
DATASETS=(
  "pymc_mmm_example.csv 320d299569b989c37facac5bda6a4ee2d661cb12e158ac5d80689c8cc3d37955 https://raw.githubusercontent.com/pymc-labs/pymc-marketing/c6626a7f517fa6fe771a2d112d5cd16ce1f4c3f6/data/mmm_example.csv"
  "pymc_mmm_roas_data.csv 53a6c7c8ce777712c6648b52d2741d0c3f8a02d8a11162c818ef9d3b2b15ea29 https://raw.githubusercontent.com/pymc-labs/pymc-marketing/fa2c93fe4b18ee84cc25117dbd3f676308dd2f31/data/mmm_roas_data.csv"
  "robyn_dt_simulated_weekly.csv d541cfa92ca68fbda03ce6c987733e996b3abf44a95f2a32ce6836b9f8258cf1 https://raw.githubusercontent.com/facebookexperimental/Robyn/5915aa9d5d31d8947a274aa00fdf30b8947823e5/python/src/robyn/tutorials/resources/dt_simulated_weekly.csv"
)

datasets_complete() {
  local dir="$1" entry name
  for entry in "${DATASETS[@]}"; do
    name="${entry%% *}"
    [ -f "$dir/$name" ] || return 1
  done
}

ensure_datasets() {
  if [ -n "${MIXPILOT_DATASETS_DIR:-}" ] && datasets_complete "$MIXPILOT_DATASETS_DIR"; then
    export MIXPILOT_DATASETS_DIR
    return
  fi
  local candidate
  for candidate in "$ROOT/../shared/datasets" "$HOME/.cache/mixpilot-datasets"; do
    if datasets_complete "$candidate"; then
      MIXPILOT_DATASETS_DIR="$(cd "$candidate" && pwd)"
      export MIXPILOT_DATASETS_DIR
      return
    fi
  done
  local cache="$HOME/.cache/mixpilot-datasets" entry name sum url
  say "Downloading the public MMM datasets into $cache"
  ensure_apt curl ca-certificates
  mkdir -p "$cache"
  for entry in "${DATASETS[@]}"; do
    read -r name sum url <<<"$entry"
    [ -f "$cache/$name" ] && continue
    curl -fsSL "$url" -o "$cache/$name.part"
    if [ "$(sha256sum "$cache/$name.part" | awk '{print $1}')" != "$sum" ]; then
      echo "error: $name does not match its SHA-256; not using it" >&2
      rm -f "$cache/$name.part"
      exit 1
    fi
    mv "$cache/$name.part" "$cache/$name"
  done
  export MIXPILOT_DATASETS_DIR="$cache"
}

mixpilot_bin() {
  echo "$CARGO_TARGET_DIR/debug/mixpilot"
}
