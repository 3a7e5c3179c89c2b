"""One-off migration: PO files keyed by positional ids -> keyed by their English text.

Until issue 13, every body block's message carried a positional msgctxt
(`introduction.p3`): splitting a paragraph shifted every following id and
`i18n update` gave the next paragraphs their neighbours' translations. Now a
message is identified as gettext does, by its English text (msgid), with a
msgctxt only where a translator asked for one (translations/contexts.yml).

This script converts PO files written with the old keys, keeping every
translation on its own paragraph: it drops the positional msgctxt of each
entry (an entry's msgid is already the English of its own block), merges
entries whose English is identical (they now share one translation; when
their translations differed, the first in reading order is kept and the
other is printed here for a translator to review), then merges the current
template with `msgmerge --previous --no-fuzzy-matching` and writes the file as gettext does.

Re-runnable: a file already converted has no positional contexts left and is
only brought in step with the template (the same as `compendium i18n update`).

    compendium i18n extract
    .venv/bin/python scripts/migrate_po_keys.py translations/*.po
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.errors import PipelineError  # noqa: E402
from pipeline.i18n.catalog import read_po, shown, update_po  # noqa: E402
from pipeline.i18n.termbase import load_terms  # noqa: E402


def strip_positional_contexts(po: polib.POFile, keep: set[str]) -> tuple[polib.POFile, list[str]]:
    """The same PO file without positional msgctxt; `keep`: the contexts the template still uses."""
    out = polib.POFile(wrapwidth=79)
    out.header = po.header
    out.metadata = dict(po.metadata)
    out.metadata_is_fuzzy = po.metadata_is_fuzzy
    chosen: dict[tuple[str | None, str, bool], polib.POEntry] = {}
    conflicts: list[str] = []

    def rank(entry: polib.POEntry) -> int:  # a finished translation beats a fuzzy one beats none
        return 2 if entry.msgstr and not entry.fuzzy else 1 if entry.msgstr else 0

    for entry in po:
        context = entry.msgctxt if entry.msgctxt in keep else None
        key = (context, entry.msgid, entry.obsolete)
        entry.msgctxt = context
        if entry.previous_msgctxt and entry.previous_msgctxt not in keep:
            entry.previous_msgctxt = None
        held = chosen.get(key)
        if held is None:
            chosen[key] = entry
            continue
        winner, loser = (entry, held) if rank(entry) > rank(held) else (held, entry)
        chosen[key] = winner
        if winner.msgstr and loser.msgstr and winner.msgstr != loser.msgstr:
            conflicts.append(f"  {entry.msgid[:70]!r}\n    kept:    {winner.msgstr[:70]!r}\n"
                             f"    dropped: {loser.msgstr[:70]!r}")
    live = {(e.msgctxt, e.msgid) for e in chosen.values() if not e.obsolete}
    for entry in chosen.values():
        if entry.obsolete and (entry.msgctxt, entry.msgid) in live:
            continue  # the same text is in use again: the live entry wins
        out.append(entry)
    return out, conflicts


def migrate(path: Path, pot_path: Path) -> None:
    pot = read_po(pot_path, shown(pot_path))
    keep = {entry.msgctxt for entry in pot if entry.msgctxt}
    po = read_po(path, shown(path))
    before = sum(1 for e in po if e.msgstr and not e.fuzzy and not e.obsolete)
    stripped, conflicts = strip_positional_contexts(po, keep)
    with tempfile.TemporaryDirectory() as tmp:
        draft = Path(tmp) / path.name
        stripped.save(str(draft))
        # update_po merges into the file it is given; work on a copy, then move it into place atomically
        # no fuzzy matching: every old message matches its own text exactly, and a message new in
        # the template (the book's keywords...) must not borrow a similar one's translation
        update_po(pot_path, draft, load_terms(path.parent.parent, path.stem), fuzzy_matching=False)
        from pipeline.files import atomic_path

        with atomic_path(path) as target:
            target.write_bytes(draft.read_bytes())
    after = read_po(path, shown(path))
    kept = sum(1 for e in after if e.msgstr and not e.fuzzy and not e.obsolete)
    print(f"{shown(path)}: {before} translated entries -> {kept} translated messages "
          f"({before - kept} were identical English sharing one translation now)")
    if conflicts:
        print(f"{shown(path)}: {len(conflicts)} identical English text(s) had different translations; "
              "the first was kept (ask for a context in translations/contexts.yml if both are needed):")
        print("\n".join(conflicts))


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__.strip().split("\n\n")[-1])
        return 2
    try:
        for name in argv:
            path = Path(name).resolve()
            migrate(path, path.parent / "compendium.pot")
    except PipelineError as exc:
        print(f"{exc.loc}: error: {exc.message}" if exc.loc else f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
