#!/usr/bin/env bash
# System libraries WeasyPrint uses when present. Installed with apt-get where
# this machine allows it (root + Debian); otherwise one line says what is
# missing and what that costs. Never fails the build: each has a fallback.
set -u
. "$(dirname "$0")/apt.sh"
have() { python3 -c "import ctypes.util,sys; sys.exit(0 if ctypes.util.find_library('$1') else 1)"; }

have harfbuzz-subset || apt_install libharfbuzz-subset0 "HarfBuzz's font subsetter, used by WeasyPrint" \
  "fonts will be subset with fontTools (slower, same output)"
# GNU gettext: `compendium i18n extract/init/update` write PO files through msgcat
# and merge with msgmerge, exactly as translators' tools do (the tests compare with it).
command -v msgmerge >/dev/null 2>&1 || apt_install gettext \
  "msgmerge, msgcat: the translation files' reference tools" "\`compendium i18n extract/update\` need it"
# A CMYK ICC profile for the test of the print PDF's press output intent:
# Ghostscript's default_cmyk.icc (Debian's libgs-common; icc-profiles-free has
# no CMYK profile). Without it that one test is skipped, saying why.
[ -f /usr/share/color/icc/ghostscript/default_cmyk.icc ] || apt_install libgs-common \
  "a CMYK ICC profile for the print PDF test" "the CMYK output-intent test will be skipped" --no-install-recommends
# poppler-utils: pdftotext and pdftoppm, with which the tests read the PDFs'
# text layer back as a reader's tools do (hyphenation, right-to-left order).
command -v pdftotext >/dev/null 2>&1 || apt_install poppler-utils "pdftotext, used by the tests" \
  "the text-layer tests need pdftotext"
# `sysdeps.sh pandoc`: the benchmark's comparison tool (make bench only).
if [ "${1:-}" = pandoc ]; then
  command -v pandoc >/dev/null 2>&1 || apt_install pandoc "for the benchmark's comparison" \
    "the benchmark will skip the Pandoc rows"
fi
# `sysdeps.sh chromium`: the browser the web edition's tests drive (make test;
# Playwright uses Debian's /usr/bin/chromium, it never downloads one), and npm,
# which installs axe-core for those tests.
if [ "${1:-}" = chromium ]; then
  command -v /usr/bin/chromium >/dev/null 2>&1 || apt_install chromium "for the web edition's browser tests" \
    "the web edition's browser tests need it"
  command -v npm >/dev/null 2>&1 || apt_install npm "for the web edition's browser tests" \
    "the web edition's browser tests need it"
fi
exit 0
