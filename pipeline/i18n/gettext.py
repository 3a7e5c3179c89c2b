"""GNU gettext's own tools, for the two things only they do exactly.

- `normalise`: every PO/POT file this project writes goes through `msgcat`,
  so it is wrapped, escaped and ordered exactly the way Poedit, Weblate and
  every gettext-based tool save it (79 columns, gettext's line breaking).
  A translator's save then changes only what the translator changed.
- `merge`: `msgmerge --previous`, the reference for how a template is merged
  into a translation (exact matches kept, changed messages paired with their
  most similar former message, made fuzzy with `#| msgid`, unused ones made
  obsolete and revived if their text comes back). Re-implementing it would
  only give another, slightly different pairing.

gettext is a system package (`apt-get install gettext`, which
`scripts/sysdeps.sh` does); building editions never needs it, only the
commands that write translation files.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from ..errors import PipelineError


def tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise PipelineError(f"GNU gettext's `{name}` is not installed; it writes the translation files "
                            "exactly as translation tools do (install it with `apt-get install gettext`)")
    return found


def _run(args: list[str], what: str) -> None:
    proc = subprocess.run(args, capture_output=True, text=True)
    if proc.returncode != 0:
        detail = (proc.stderr.strip().splitlines() or ["no message"])[-1]
        raise PipelineError(f"{what}: {detail}")


def normalise(src: Path, dest: Path) -> None:
    """Write `src` to `dest` as gettext writes it (`msgcat`); `src` may be `dest`'s temporary."""
    _run([tool("msgcat"), "--to-code=UTF-8", "-o", str(dest), str(src)], f"msgcat could not rewrite {src.name}")


def merge(po: Path, pot: Path, dest: Path, fuzzy_matching: bool = True) -> None:
    """`msgmerge --previous`: the translations of `po` carried over to the messages of `pot`.

    Without `fuzzy_matching`, a new message is never given a similar one's
    translation (used by the one-off key migration, where every message that
    existed before still matches exactly and new ones are genuinely new)."""
    extra = [] if fuzzy_matching else ["--no-fuzzy-matching"]
    _run([tool("msgmerge"), "--quiet", "--previous", *extra, "-o", str(dest), str(po), str(pot)],
         f"msgmerge could not merge {pot.name} into {po.name}")
