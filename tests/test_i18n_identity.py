"""Message identity that follows the text (issue 13), on a small book with a French PO file.

tests/fixtures/i18nbook is the minibook with a six-paragraph introduction and
translations/fr.po (part translated). Each test edits the English one way,
runs `i18n extract` and `i18n update`, and asserts, entry by entry, which
French translation each English paragraph now carries, and that this is what
GNU `msgmerge --previous` gives on the same template.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pypdf
import pytest

from .conftest import ROOT, pdf_pages

FIXTURE = ROOT / "tests" / "fixtures" / "i18nbook"
INTRO = "source/front/introduction.md"

P1 = "Trafficking in persons is a serious crime.[^i]"
P2 = ("Partnerships between the public and private sectors help to prevent it. "
      "They bring together what each side knows.")
P3 = "Businesses see what happens in their [supply chains](https://www.example.org/supply)."
P4 = "Read [the first section](#first-section) for the roles."
P5 = "Governments convene."
P6 = "Each partner brings what it knows best."
FR = {
    P1: "La traite des personnes est un crime grave.[^i]",
    P2: ("Les partenariats entre les secteurs public et privé aident à la prévenir. "
         "Ils réunissent ce que chaque partie sait."),
    P3: "Les entreprises voient ce qui se passe dans leurs [chaînes d'approvisionnement](https://www.example.org/supply).",
    P4: "Lisez [la première section](#first-section) pour les rôles.",
    P5: "Les gouvernements rassemblent.",
    P6: "Chaque partenaire apporte ce qu'il connaît le mieux.",
}


def cli(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pipeline.cli", *args], cwd=root, capture_output=True, text=True)


@pytest.fixture
def book(tmp_path: Path) -> Path:
    root = tmp_path / "book"
    shutil.copytree(FIXTURE, root)
    shutil.copytree(ROOT / "themes", root / "themes")
    return root


def write_intro(root: Path, *paragraphs: str) -> None:
    head = (root / INTRO).read_text().split("---\n\n", 1)[0]
    (root / INTRO).write_text(head + "---\n\n" + "\n\n".join(paragraphs) + "\n")


def entries(po_file: Path) -> dict[str, polib.POEntry]:
    return {e.msgid: e for e in polib.pofile(str(po_file)) if not e.obsolete}


def merge_and_compare(root: Path) -> dict[str, polib.POEntry]:
    """extract + update; the result must pair every entry exactly as `msgmerge --previous` does."""
    po_file = root / "translations" / "fr.po"
    before = po_file.read_bytes()
    proc = cli(root, "i18n", "extract")
    assert proc.returncode == 0, proc.stderr
    reference = root / "reference.po"
    old = root / "old.po"
    old.write_bytes(before)
    subprocess.run(["msgmerge", "--quiet", "--previous", "-o", str(reference), str(old),
                    str(root / "translations" / "compendium.pot")], check=True)
    proc = cli(root, "i18n", "update")
    assert proc.returncode == 0, proc.stderr
    ours, theirs = polib.pofile(str(po_file)), polib.pofile(str(reference))
    assert len(ours) == len(theirs) and len(ours.obsolete_entries()) == len(theirs.obsolete_entries())
    for mine, gettext in zip(ours, theirs, strict=True):
        assert (mine.msgctxt, mine.msgid, mine.msgstr, mine.fuzzy, mine.previous_msgid, mine.obsolete) == (
            gettext.msgctxt, gettext.msgid, gettext.msgstr, gettext.fuzzy, gettext.previous_msgid, gettext.obsolete)
    # and the file is in gettext's own form
    assert subprocess.run(["msgcat", str(po_file)], capture_output=True, check=True).stdout == po_file.read_bytes()
    return entries(po_file)


def assert_kept(found: dict[str, polib.POEntry], *paragraphs: str) -> None:
    for english in paragraphs:
        assert found[english].msgstr == FR[english], english
        assert not found[english].fuzzy, english


def test_fixture_translation_is_current(book: Path) -> None:
    proc = cli(book, "i18n", "extract", "--check")
    assert proc.returncode == 0, proc.stderr
    found = entries(book / "translations" / "fr.po")
    assert_kept(found, *FR)
    assert all(e.msgctxt is None for e in found.values())  # no positional keys


def test_split_paragraph_keeps_every_other_translation_on_its_own_paragraph(book: Path) -> None:
    first, second = P2.split(" They ")
    write_intro(book, P1, first, "They " + second, P3, P4, P5, P6)
    found = merge_and_compare(book)
    assert_kept(found, P1, P3, P4, P5, P6)
    # the first half is new text paired with its most similar former message: fuzzy, previous English kept
    assert found[first].fuzzy and found[first].previous_msgid == P2 and found[first].msgstr == FR[P2]
    # the second is too unlike anything (msgmerge's similarity threshold): to translate, never someone else's
    assert not found["They " + second].msgstr
    proc = cli(book, "check")
    assert proc.returncode == 0, proc.stderr  # fuzzy entries are never checked against the new source


def test_merged_paragraphs(book: Path) -> None:
    merged = P3 + " " + P4
    write_intro(book, P1, P2, merged, P5, P6)
    found = merge_and_compare(book)
    assert_kept(found, P1, P2, P5, P6)
    assert found[merged].fuzzy and found[merged].previous_msgid in (P3, P4)
    assert P3 not in found and P4 not in found
    obsolete = {e.msgid: e.msgstr for e in polib.pofile(str(book / "translations" / "fr.po")).obsolete_entries()}
    assert {P3, P4} - {found[merged].previous_msgid} <= set(obsolete)


def test_reordered_inserted_and_deleted_paragraphs(book: Path) -> None:
    new = "A new paragraph on victims' rights, written by the editors."
    write_intro(book, P4, P1, new, P3, P6)  # P2 and P5 (only in the introduction: P5 is also in 1.1) gone
    found = merge_and_compare(book)
    assert_kept(found, P1, P3, P4, P5, P6)
    assert P2 not in found
    assert not found[new].msgstr or found[new].fuzzy
    obsolete = {e.msgid: e for e in polib.pofile(str(book / "translations" / "fr.po")).obsolete_entries()}
    assert obsolete[P2].msgstr == FR[P2]
    # the text comes back: its translation is used again, not fuzzy
    write_intro(book, P1, P2, P3, P4, P5, P6)
    found = merge_and_compare(book)
    assert_kept(found, *FR)


def test_paragraph_moved_to_another_file_and_file_renamed(book: Path) -> None:
    write_intro(book, P1, P2, P3, P4, P5)
    conclusion = book / "source" / "back" / "conclusion.md"
    conclusion.write_text(conclusion.read_text() + "\n" + P6 + "\n")
    (book / INTRO).rename(book / "source" / "front" / "intro.md")
    book_yml = book / "source" / "book.yml"
    book_yml.write_text(book_yml.read_text().replace("front/introduction.md", "front/intro.md"))
    found = merge_and_compare(book)
    assert_kept(found, *FR)
    assert found[P6].occurrences == [("source/back/conclusion.md", "9")]
    assert found[P1].occurrences[0][0] == "source/front/intro.md"


def test_changed_paragraph_is_fuzzy_with_previous_english(book: Path) -> None:
    changed = P1.replace("a serious crime", "a very serious crime")
    write_intro(book, changed, P2, P3, P4, P5, P6)
    found = merge_and_compare(book)
    assert found[changed].fuzzy and found[changed].previous_msgid == P1 and found[changed].msgstr == FR[P1]
    assert_kept(found, P2, P3, P4, P5, P6)


def test_identical_english_shares_one_translation_unless_given_a_context(book: Path) -> None:
    po = polib.pofile(str(book / "translations" / "fr.po"))
    shared = next(e for e in po if e.msgid == P5)
    assert [file for file, _line in shared.occurrences] == [INTRO, "source/part-1/1-1.md"]
    # a translator asks for a context for the one in section 1.1: editors declare it
    (book / "translations" / "contexts.yml").write_text(
        f'- file: source/part-1/1-1.md\n  text: "{P5}"\n  context: "convening the public sector"\n')
    merge_and_compare(book)
    po = polib.pofile(str(book / "translations" / "fr.po"))
    plain = [e for e in po if e.msgid == P5 and not e.obsolete]
    assert {e.msgctxt for e in plain} == {None, "convening the public sector"}
    assert next(e for e in plain if e.msgctxt is None).msgstr == FR[P5]
    own = next(e for e in plain if e.msgctxt)
    assert own.fuzzy or not own.msgstr  # its own translation is still to be written


def test_fuzzy_entry_builds_in_english_with_one_warning_line(book: Path) -> None:
    retargeted = P4.replace("#first-section", "#second-section")
    write_intro(book, P1, P2, P3, retargeted, P5, P6)
    found = merge_and_compare(book)
    assert found[retargeted].fuzzy and found[retargeted].msgstr == FR[P4]
    check = cli(book, "check")
    assert check.returncode == 0, check.stderr
    proc = cli(book, "build", "pdf", "--lang", "fr")
    assert proc.returncode == 0, proc.stderr
    report = json.loads((book / "build" / "fr" / "translation-report.json").read_text())
    untranslated = report["untranslated"]
    assert report["fuzzy"] == 1
    assert (f"fr: 1 fuzzy, {untranslated} untranslated: printed in English "
            "(see build/fr/translation-report.json)") in proc.stderr
    assert [f["reason"] for f in report["fallbacks"] if f["text"] == retargeted] == ["fuzzy"]
    reader = pypdf.PdfReader(str(book / "build" / "fr" / "compendium.pdf"))
    text = " ".join((page.extract_text() or "") for page in reader.pages)
    text = " ".join(text.split())
    assert "Read the first section for the roles." in text and "Lisez" not in text
    assert "La traite des personnes est un crime grave" in text
    # the publications team's final release: any fallback fails, nothing is built
    (book / "build").rename(book / "build-before")
    strict = cli(book, "build", "pdf", "--lang", "fr", "--strict-translations")
    assert strict.returncode == 1 and "Traceback" not in strict.stderr
    assert "fr: 1 fuzzy" in strict.stderr and "--strict-translations" in strict.stderr
    assert not (book / "build" / "fr" / "compendium.pdf").exists()


def test_broken_translated_entry_is_an_error_at_its_msgstr_line(book: Path) -> None:
    po_file = book / "translations" / "fr.po"
    po = polib.pofile(str(po_file))
    next(e for e in po if e.msgid == P1).msgstr = "La traite des personnes est un crime grave."
    po.save()
    lines = po_file.read_text().split("\n")
    msgid_line = lines.index(f'msgid "{P1}"')
    assert lines[msgid_line + 1].startswith("msgstr")
    proc = cli(book, "check")
    assert proc.returncode == 1
    assert f"translations/fr.po:{msgid_line + 2}: error:" in proc.stderr
    assert "footnote references differ" in proc.stderr and "Traceback" not in proc.stderr


def test_language_spans_are_accepted_in_a_translation(book: Path) -> None:
    po_file = book / "translations" / "fr.po"
    po = polib.pofile(str(po_file))
    next(e for e in po if e.msgid == P6).msgstr = "Chaque partenaire apporte [what it knows best]{lang=en}."
    po.save()
    proc = cli(book, "check")
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("target, comment, ok", [
    ("https://www.example.org/fr/supply", "", True),  # same host: the French version of the page
    ("https://exemple.fr/approvisionnement", "", False),  # another site, undeclared
    ("https://exemple.fr/approvisionnement", "url-localised: the French ministry publishes it", True),
])
def test_localised_link_addresses(book: Path, target: str, comment: str, ok: bool) -> None:
    po_file = book / "translations" / "fr.po"
    po = polib.pofile(str(po_file))
    entry = next(e for e in po if e.msgid == P3)
    entry.msgstr = FR[P3].replace("https://www.example.org/supply", target)
    entry.tcomment = comment
    po.save()
    proc = cli(book, "check")
    assert (proc.returncode == 0) is ok, proc.stderr
    if not ok:
        assert "url-localised" in proc.stderr and "exemple.fr" in proc.stderr


def test_extract_check_fails_on_a_stale_template(book: Path) -> None:
    write_intro(book, P1, P2, P3, P4, P5)
    proc = cli(book, "i18n", "extract", "--check")
    assert proc.returncode == 1
    assert proc.stderr.strip().count("\n") == 0 and "compendium.pot is stale" in proc.stderr
    assert "Traceback" not in proc.stderr


# ------------------------------------------------ files any tool round-trips

SHIPPED = sorted((ROOT / "translations").glob("*.po")) + [ROOT / "translations" / "compendium.pot"]
FIXTURE_FILES = [FIXTURE / "translations" / "fr.po", FIXTURE / "translations" / "compendium.pot"]


@pytest.mark.parametrize("path", SHIPPED + FIXTURE_FILES, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_gettext_polib_and_translate_toolkit_leave_the_file_unchanged(path: Path, tmp_path: Path) -> None:
    from translate.storage import po as toolkit_po

    from pipeline.i18n.catalog import read_po, save_po

    original = path.read_bytes()
    assert subprocess.run(["msgcat", str(path)], capture_output=True, check=True).stdout == original, \
        f"{path.name} is not in gettext's form: run scripts/migrate_po_keys.py (PO) or `i18n extract` (POT)"
    assert bytes(toolkit_po.pofile.parsefile(str(path))) == original  # Weblate, Pootle, Virtaal's reader/writer
    copy = tmp_path / path.name
    save_po(read_po(path), copy)  # polib's model, written the pipeline's way
    assert copy.read_bytes() == original


def test_update_with_nothing_changed_changes_nothing(book: Path) -> None:
    before = (book / "translations" / "fr.po").read_bytes()
    assert cli(book, "i18n", "update").returncode == 0
    assert (book / "translations" / "fr.po").read_bytes() == before


# ------------------------------------------------------------ exchange formats


def test_xliff_export_protects_placeholders_and_round_trips(book: Path) -> None:
    from lxml import etree

    proc = cli(book, "i18n", "export", "--format", "xliff", "fr")
    assert proc.returncode == 0, proc.stderr
    xlf = book / "build" / "i18n" / "compendium-fr.xlf"
    root = etree.parse(str(xlf)).getroot()
    ns = {"x": "urn:oasis:names:tc:xliff:document:1.2"}
    assert root.get("version") == "1.2" and root.find("x:file", ns).get("target-language") == "fr"
    units = root.findall(".//x:trans-unit", ns)
    by_source = {"".join(u.find("x:source", ns).itertext()): u for u in units}
    unit = by_source[P1]
    assert [ph.text for ph in unit.findall("x:source/x:ph", ns)] == ["[^i]"]
    assert [ph.text for ph in unit.findall("x:target/x:ph", ns)] == ["[^i]"]
    link = by_source[P3]
    assert [ph.text for ph in link.findall("x:source/x:ph", ns)] == ["[", "](https://www.example.org/supply)"]
    assert by_source["Part {n}"].find("x:source/x:ph", ns).text == "{n}"
    assert any("stands for the number" in (n.text or "") for n in by_source["Part {n}"].findall("x:note", ns))
    # translate-toolkit reads it back into the same translations
    back = book / "back.po"
    subprocess.run([str(Path(sys.executable).parent / "xliff2po"), "-i", str(xlf), "-o", str(back)],
                   check=True, capture_output=True)
    theirs = {e.msgid: e.msgstr for e in polib.pofile(str(back)) if e.msgid}
    ours = {e.msgid: e.msgstr for e in polib.pofile(str(book / "translations" / "fr.po")) if e.msgid}
    assert theirs == ours
    # export then import changes nothing
    before = (book / "translations" / "fr.po").read_bytes()
    proc = cli(book, "i18n", "import", str(xlf))
    assert proc.returncode == 0 and "0 of" in proc.stdout, proc.stderr
    assert (book / "translations" / "fr.po").read_bytes() == before


SHIPPED_LANGS = [path.stem for path in sorted((ROOT / "translations").glob("*.po"))]


@pytest.mark.parametrize("lang", SHIPPED_LANGS)
def test_shipped_translation_round_trips_through_xliff(lang: str, tmp_path: Path) -> None:
    """The real PO files (language spans, right-to-left and CJK text, every kind of placeholder):
    translate-toolkit's xliff2po reads the XLIFF export back into the same translations, and
    importing it leaves the PO file byte-identical."""
    from pipeline.i18n.exchange import export_xliff, import_xliff

    po_file = tmp_path / f"{lang}.po"
    shutil.copyfile(ROOT / "translations" / f"{lang}.po", po_file)
    xlf = tmp_path / f"compendium-{lang}.xlf"
    count = export_xliff(po_file, xlf, lang)
    ours = {(e.msgctxt, e.msgid): e.msgstr for e in polib.pofile(str(po_file)) if e.msgid and not e.obsolete}
    assert count == len(ours)
    back = tmp_path / "back.po"
    subprocess.run([str(Path(sys.executable).parent / "xliff2po"), "-i", str(xlf), "-o", str(back)],
                   check=True, capture_output=True)
    assert {(e.msgctxt, e.msgid): e.msgstr for e in polib.pofile(str(back)) if e.msgid} == ours
    before = po_file.read_bytes()
    changed, units = import_xliff(xlf, po_file)
    assert (changed, units) == (0, count)
    assert po_file.read_bytes() == before


def test_splitting_a_paragraph_of_the_real_introduction_keeps_every_french_translation(tmp_path: Path) -> None:
    """The issue's own case, on the real book: one paragraph of source/front/introduction.md
    split in two, then `i18n extract` and `i18n update`. Every other French message keeps its
    translation, not fuzzy; the second half is fuzzy with the whole former paragraph as its
    previous English (as `msgmerge --previous` pairs it); nothing else changes."""
    root = tmp_path / "book"
    shutil.copytree(ROOT / "source", root / "source")
    (root / "themes").symlink_to(ROOT / "themes")
    (root / "translations").mkdir()
    for name in ("compendium.pot", "fr.po"):
        shutil.copyfile(ROOT / "translations" / name, root / "translations" / name)
    shutil.copytree(ROOT / "translations" / "terms", root / "translations" / "terms")
    before = {e.msgid: e.msgstr for e in polib.pofile(str(root / "translations" / "fr.po"))
              if not e.obsolete and not e.fuzzy and e.msgstr}
    intro = root / INTRO
    whole = next(p for p in intro.read_text().split("\n\n") if p.startswith("Business leaders"))
    first, _, second = whole.partition(" While the public sector")
    second = "While the public sector" + second
    intro.write_text(intro.read_text().replace(whole, f"{first}\n\n{second}"))
    found = merge_and_compare(root)
    assert whole not in found and found[first].msgstr == "" and not found[first].fuzzy
    assert found[second].fuzzy and found[second].previous_msgid == whole
    assert found[second].msgstr == before[whole]
    kept = {msgid: msgstr for msgid, msgstr in before.items() if msgid != whole}
    assert {msgid: (found[msgid].msgstr, found[msgid].fuzzy) for msgid in kept} == {
        msgid: (msgstr, False) for msgid, msgstr in kept.items()}


def test_xliff_import_takes_a_translation_and_refuses_a_changed_source(book: Path) -> None:
    assert cli(book, "i18n", "export", "--format", "xliff", "fr").returncode == 0
    xlf = book / "build" / "i18n" / "compendium-fr.xlf"
    text = xlf.read_text()
    # a CAT tool fills an untranslated unit: <target> after its <source>
    source = "<source>Partnerships work when partners trust each other.</source>"
    assert source in text
    translated = text.replace("<source>Trust takes time.</source>",
                              "<source>Trust takes time.</source><target state=\"translated\">"
                              "La confiance prend du temps.</target>")
    translated = translated.replace('approved="no"', 'approved="no"')
    xlf.write_text(translated)
    proc = cli(book, "i18n", "import", str(xlf))
    assert proc.returncode == 0 and "1 of" in proc.stdout, proc.stdout + proc.stderr
    entry = entries(book / "translations" / "fr.po")["Trust takes time."]
    assert entry.msgstr == "La confiance prend du temps."
    # the English changed in the XLIFF (or in the source since the export): refused, located, nothing written
    before = (book / "translations" / "fr.po").read_bytes()
    broken = translated.replace("<source>Governments convene.</source>", "<source>Governments meet.</source>")
    xlf.write_text(broken)
    proc = cli(book, "i18n", "import", str(xlf))
    line = next(i for i, t in enumerate(broken.split("\n"), 1) if "Governments meet." in t)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "compendium-fr.xlf:" in proc.stderr and "export again" in proc.stderr
    assert abs(int(proc.stderr.split("compendium-fr.xlf:")[1].split(":")[0]) - line) <= 1
    assert (book / "translations" / "fr.po").read_bytes() == before


def test_tbx_and_tmx_exports_load_in_translate_toolkit(book: Path) -> None:
    from translate.storage import tbx, tmx

    (book / "translations" / "terms").mkdir()
    (book / "translations" / "terms" / "fr.yml").write_text(
        "- en: trafficking in persons\n  approved: [traite des personnes, traite]\n  note: UNTERM\n"
        "- en: supply chain\n  approved: [chaîne d'approvisionnement]\n")
    assert cli(book, "i18n", "export", "--format", "tbx", "fr").returncode == 0
    termbase = tbx.tbxfile.parsefile(str(book / "build" / "i18n" / "terms-fr.tbx"))
    assert [u.source for u in termbase.units] == ["trafficking in persons", "supply chain"]
    assert termbase.units[0].target in ("traite des personnes", "traite")
    assert b"<term>traite</term>" in (book / "build" / "i18n" / "terms-fr.tbx").read_bytes()
    assert cli(book, "i18n", "export", "--format", "tmx", "fr").returncode == 0
    memory = tmx.tmxfile.parsefile(str(book / "build" / "i18n" / "compendium-fr.tmx"))
    pairs = {u.source: u.target for u in memory.units}
    assert pairs[P1] == FR[P1] and len(pairs) == sum(1 for e in polib.pofile(
        str(book / "translations" / "fr.po")) if e.msgstr and not e.fuzzy and e.msgid)


def test_termbase_counts_uses_of_a_term(book: Path) -> None:
    (book / "translations" / "terms").mkdir()
    (book / "translations" / "terms" / "fr.yml").write_text("- en: partners\n  approved: [partenaires]\n")
    conclusion = "Partnerships work when partners trust each other."
    po_file = book / "translations" / "fr.po"
    po = polib.pofile(str(po_file))
    proc = cli(book, "check")
    assert "termbase" not in proc.stderr, proc.stderr  # "Partners" once, "partenaires" once
    conclusion_entry = next(e for e in po if e.msgid == conclusion)
    conclusion_entry.msgstr = "Les partenariats fonctionnent quand on se fait confiance."
    po.save()
    proc = cli(book, "check")
    assert "source has 'partners' 1 time(s) but the translation does not use the approved 'partenaires'" \
        in proc.stderr, proc.stderr
    conclusion_entry.tcomment = "term-ok: partners: the French says it without the word"
    po.save()
    assert "'partners'" not in cli(book, "check").stderr


def test_init_adds_the_language_and_starts_its_termbase(book: Path) -> None:
    (book / "translations" / "terms").mkdir()
    (book / "translations" / "terms" / "fr.yml").write_text("- en: supply chain\n  approved: [chaîne]\n")
    proc = cli(book, "i18n", "init", "es")
    assert proc.returncode == 0, proc.stderr
    assert "  - {code: es, name: Spanish, status: draft}\n" in (book / "source" / "book.yml").read_text()
    assert (book / "translations" / "terms" / "es.yml").read_text().count("- en: supply chain") == 1
    assert cli(book, "check").returncode == 0


def _page_texts(pdf: Path) -> list[str]:
    """Each page's text, as pdftotext gives it page by page (whitespace runs made one space)."""
    return [" ".join(text.split()) for text in pdf_pages(pdf)]


def test_whole_messages_print_in_the_translators_order_and_every_page_says_draft(book: Path) -> None:
    """A translation may reorder a whole message (issue 13: no sentence pieced together in
    code): the page before the section in a cross-reference, the publisher before
    "published"; and a draft edition says so on every page, the back cover included."""
    po_file = book / "translations" / "fr.po"
    po = polib.pofile(str(po_file))
    entries = {entry.msgid: entry for entry in po if not entry.obsolete}
    entries["{section}, page {page}"].msgstr = "page {page} de la {section}"
    entries["Published by: {publisher}"].msgstr = "{publisher}, éditeur"
    assert entries["Draft translation"].msgstr == "Traduction provisoire"
    po.save()
    proc = cli(book, "build", "pdf", "--lang", "fr")
    assert proc.returncode == 0, proc.stderr
    pdf = book / "build" / "fr" / "compendium.pdf"
    reader = pypdf.PdfReader(str(pdf))
    target = reader.get_destination_page_number(reader.named_destinations["first-section"]) + 1
    pages = _page_texts(pdf)
    joined = " ".join(pages)
    assert f"As explained in page {target} de la section 1.1, partners" in joined
    assert "United Nations Office on Drugs and Crime, éditeur" in joined
    assert "Published by" not in joined and "Publié par" not in joined
    missing = [number for number, text in enumerate(pages, start=1) if "traduction provisoire" not in text.casefold()]
    assert not missing, f"pages without the draft label: {missing} of {len(pages)}"
