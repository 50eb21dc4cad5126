#!/usr/bin/env bash
# The `gdal` feature (issue 22) against Debian's GDAL.
#
#   bash scripts/check_gdal.sh
#
# - installs Debian's libgdal-dev, gdal-bin (ogr2ogr, which the tests write their File
#   Geodatabases with) and pkg-config with apt-get when any is missing; the gdal crate's
#   bindings for Debian's GDAL come prebuilt (no clang, no bindgen);
# - clippy over every target with the feature on;
# - every test with the feature on, as CI runs them for `proj`: the feature's own
#   (tests/gdal.rs: geodatabases written by ogr2ogr at test time) and all the others, which
#   must not notice it (a folder, for one, is then GDAL's to open). A test that hangs fails
#   the run after 1200 s.
# Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)

missing=()
command -v gdal-config >/dev/null 2>&1 || missing+=(libgdal-dev)
command -v ogr2ogr >/dev/null 2>&1 || missing+=(gdal-bin)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing ${missing[*]} (apt-get)"
  apt-get update >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}" >/dev/null
fi
echo "GDAL $(gdal-config --version)"

cargo clippy --features gdal --all-targets -- -D warnings
cargo test --features gdal --no-run
timeout --kill-after=30 1200 cargo test --features gdal

echo "check_gdal: passed in $(($(date +%s) - started)) s"
