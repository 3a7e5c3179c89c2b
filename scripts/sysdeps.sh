#!/usr/bin/env bash
# System libraries WeasyPrint uses when present. Installed with apt-get where
# this machine allows it (root + Debian); otherwise one line says what is
# missing and what that costs. Never fails the build: each has a fallback.
set -u
have() { python3 -c "import ctypes.util,sys; sys.exit(0 if ctypes.util.find_library('$1') else 1)"; }

if ! have harfbuzz-subset; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing libharfbuzz-subset0 (HarfBuzz's font subsetter, used by WeasyPrint)..."
    { apt-get install -y -q libharfbuzz-subset0 >/dev/null 2>&1 \
      || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q libharfbuzz-subset0 >/dev/null 2>&1; }; } \
      || echo "note: could not install libharfbuzz-subset0; fonts will be subset with fontTools (slower, same output)"
  else
    echo "note: libharfbuzz-subset0 is not installed; fonts will be subset with fontTools (slower). Install it with: apt-get install libharfbuzz-subset0"
  fi
fi
# A CMYK ICC profile for the test of the print PDF's press output intent:
# Ghostscript's default_cmyk.icc (Debian's libgs-common; icc-profiles-free has
# no CMYK profile). Without it that one test is skipped, saying why.
if [ ! -f /usr/share/color/icc/ghostscript/default_cmyk.icc ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing libgs-common (a CMYK ICC profile for the print PDF test)..."
    { apt-get install -y -q --no-install-recommends libgs-common >/dev/null 2>&1 \
      || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q --no-install-recommends libgs-common >/dev/null 2>&1; }; } \
      || echo "note: could not install libgs-common; the CMYK output-intent test will be skipped"
  else
    echo "note: libgs-common is not installed; the CMYK output-intent test will be skipped (apt-get install libgs-common)"
  fi
fi
# `sysdeps.sh pandoc`: the benchmark's comparison tool (make bench only).
if [ "${1:-}" = pandoc ] && ! command -v pandoc >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing pandoc (for the benchmark's comparison)..."
    { apt-get install -y -q pandoc >/dev/null 2>&1 \
      || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q pandoc >/dev/null 2>&1; }; } \
      || echo "note: could not install pandoc; the benchmark will skip the Pandoc rows"
  else
    echo "note: pandoc is not installed; the benchmark will skip the Pandoc rows (apt-get install pandoc)"
  fi
fi
exit 0
