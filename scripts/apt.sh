# shellcheck shell=bash
# apt_install PACKAGE WHAT-FOR WITHOUT-IT [apt-get options...]
#
# Installs a Debian package with apt-get where this machine allows it (root
# and apt-get), running `apt-get update` once more only if the first attempt
# fails; otherwise, or if it fails, one line says what is missing and what
# that costs (WITHOUT-IT). Never fails: every caller has a fallback.
# Sourced by scripts/sysdeps.sh and scripts/tools.sh.
apt_install() {
  local pkg=$1 purpose=$2 without=$3
  shift 3
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing $pkg ($purpose)..."
    { apt-get install -y -q "$@" "$pkg" >/dev/null 2>&1 \
      || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q "$@" "$pkg" >/dev/null 2>&1; }; } \
      || echo "note: could not install $pkg; $without (apt-get install $pkg)"
  else
    echo "note: $pkg is not installed; $without (apt-get install $pkg)"
  fi
  return 0
}
