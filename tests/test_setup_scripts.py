"""scripts/apt.sh: the one apt-get helper of scripts/sysdeps.sh and scripts/tools.sh.

Run with `id` and `apt-get` replaced by shell functions: nothing is
installed and nothing reaches the network.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from .conftest import ROOT


def _apt_install(uid: int, apt_get_status: int | None, calls: Path | None = None) -> str:
    # (apt_install sends apt-get's output to /dev/null: the fake one notes its calls in a file)
    fake_apt = "" if apt_get_status is None else \
        f"apt-get() {{ echo \"apt-get $*\" >> '{calls}'; return {apt_get_status}; }}; "
    script = (f". scripts/apt.sh; id() {{ echo {uid}; }}; {fake_apt}"
              'apt_install no-such-package "for a test" "the x test will be skipped" --no-install-recommends; '
              'echo "rc=$?"')
    done = subprocess.run(["bash", "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=30)
    return done.stdout + done.stderr


def test_without_root_it_says_what_is_missing() -> None:
    assert _apt_install(1000, None) == ("note: no-such-package is not installed; the x test will be skipped "
                                        "(apt-get install no-such-package)\nrc=0\n")


@pytest.mark.parametrize("status", [0, 100])
def test_as_root_it_installs_and_updates_only_after_a_failure(status: int, tmp_path: Path) -> None:
    out = _apt_install(0, status, tmp_path / "calls")
    assert out.startswith("installing no-such-package (for a test)...\n")
    calls = (tmp_path / "calls").read_text().splitlines()
    install = "apt-get install -y -q --no-install-recommends no-such-package"
    if status == 0:
        assert calls == [install]
        assert "note:" not in out
    else:  # failed: the package lists refreshed once, tried again, and one line says so
        assert calls == [install, "apt-get update -q"]  # (the update failed too: no second install)
        assert "note: could not install no-such-package; the x test will be skipped" in out
    assert out.endswith("rc=0\n")


@pytest.mark.parametrize("script", ["sysdeps.sh", "tools.sh"])
def test_the_setup_scripts_share_the_one_helper(script: str) -> None:
    text = (ROOT / "scripts" / script).read_text(encoding="utf-8")
    assert "apt.sh" in text and "apt-get install" not in text
