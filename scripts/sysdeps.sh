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
# poppler-utils: pdftotext and pdftoppm, with which the tests read the PDFs'
# text layer back as a reader's tools do (hyphenation, right-to-left order).
if ! command -v pdftotext >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing poppler-utils (pdftotext, used by the tests)..."
    { apt-get install -y -q poppler-utils >/dev/null 2>&1 \
      || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q poppler-utils >/dev/null 2>&1; }; } \
      || echo "note: could not install poppler-utils; the text-layer tests will fail (apt-get install poppler-utils)"
  else
    echo "note: poppler-utils is not installed; the text-layer tests need pdftotext (apt-get install poppler-utils)"
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
