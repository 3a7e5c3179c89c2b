#!/usr/bin/env bash
# The accessibility checker DAISY Ace (npm @daisy/ace) in .vendor/, driven by
# Debian's chromium: no browser is downloaded (PUPPETEER_SKIP_DOWNLOAD, and
# --ignore-scripts skips the Electron runner's download). Used by
# `compendium a11y` and `compendium validate`; a build does not need it.
# Never fails: without root, apt or npm it says in one line what is missing.
set -u
cd "$(dirname "$0")/.."
ACE_VERSION=1.4.6

. scripts/apt.sh  # apt_install

for pkg in chromium npm; do
  command -v "$pkg" >/dev/null 2>&1 || apt_install "$pkg" "Debian" "the EPUB accessibility check (DAISY Ace) will not run"
done
if [ ! -x .vendor/node_modules/.bin/ace-puppeteer ]; then
  if command -v npm >/dev/null 2>&1; then
    echo "installing DAISY Ace $ACE_VERSION into .vendor/ (first run only)..."
    mkdir -p .vendor
    PUPPETEER_SKIP_DOWNLOAD=1 npm install --prefix .vendor --ignore-scripts --no-audit --no-fund --loglevel=error \
      "@daisy/ace@$ACE_VERSION" >/dev/null 2>&1 \
      || echo "note: could not install DAISY Ace from npm; the EPUB accessibility check will not run"
  fi
fi
exit 0
