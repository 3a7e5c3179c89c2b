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
# GNU gettext: `compendium i18n extract/init/update` write PO files through msgcat
# and merge with msgmerge, exactly as translators' tools do (the tests compare with it).
if ! command -v msgmerge >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing gettext (msgmerge, msgcat: the translation files' reference tools)..."
    { apt-get install -y -q gettext >/dev/null 2>&1 \
      || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q gettext >/dev/null 2>&1; }; } \
      || echo "note: could not install gettext; \`compendium i18n extract/update\` need it (apt-get install gettext)"
  else
    echo "note: gettext is not installed; \`compendium i18n extract/update\` need it. Install it with: apt-get install gettext"
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
# `sysdeps.sh chromium`: the browser the web edition's tests drive (make test;
# Playwright uses Debian's /usr/bin/chromium, it never downloads one), and npm,
# which installs axe-core for those tests.
if [ "${1:-}" = chromium ]; then
  for pkg in chromium npm; do
    bin=$pkg; [ "$pkg" = chromium ] && bin=/usr/bin/chromium
    if ! command -v "$bin" >/dev/null 2>&1; then
      if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "installing $pkg (for the web edition's browser tests)..."
        { apt-get install -y -q "$pkg" >/dev/null 2>&1 \
          || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q "$pkg" >/dev/null 2>&1; }; } \
          || echo "note: could not install $pkg; the web edition's browser tests will fail (apt-get install $pkg)"
      else
        echo "note: $pkg is not installed; the web edition's browser tests need it (apt-get install $pkg)"
      fi
    fi
  done
fi
exit 0
