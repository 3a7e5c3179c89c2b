"""The translations this project ships: French complete, every factsheet in six
languages, a termbase, and every language's editions valid and laid out right."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import polib
import pypdf
import pytest
import yaml

from .conftest import ROOT

LANGUAGES = ["fr", "es", "ru", "ar", "zh-Hans"]
SCRIPTS = {
    "fr": r"[àâçéèêëîïôûù]",
    "es": r"[áéíñóú¿¡]",
    "ru": r"[\u0400-\u04FF]",
    "ar": r"[\u0600-\u06FF]",
    "zh-Hans": r"[\u4e00-\u9fff]",
}


def cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pipeline.cli", *args], cwd=cwd, capture_output=True, text=True)


@pytest.fixture(scope="module")
def status() -> dict:
    proc = cli("i18n", "status", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_every_language_of_book_yml_is_shipped_as_a_draft() -> None:
    book = yaml.safe_load((ROOT / "source" / "book.yml").read_text())
    languages = {lang["code"]: lang["status"] for lang in book["languages"]}
    assert languages == {"en": "source", **{code: "draft" for code in LANGUAGES}}
    for code in LANGUAGES:
        assert (ROOT / "translations" / f"{code}.po").is_file()


def test_french_is_complete(status: dict) -> None:
    french = status["fr"]["all"]
    assert french["percent"] == 100.0 and french["fuzzy"] == 0 and french["untranslated"] == 0


@pytest.mark.parametrize("lang", LANGUAGES)
def test_factsheets_and_front_matter_are_translated_in_every_language(status: dict, lang: str) -> None:
    groups = status[lang]
    assert groups["factsheets"]["percent"] == 100.0, groups["factsheets"]
    for group in ("book", "theme", "front"):
        assert groups[group]["percent"] == 100.0, (group, groups[group])
    assert groups["all"]["fuzzy"] == 0


@pytest.mark.parametrize("lang", LANGUAGES)
def test_translations_are_in_the_target_script_and_keep_their_markup(lang: str) -> None:
    po = polib.pofile(str(ROOT / "translations" / f"{lang}.po"))
    translated = [e for e in po if e.msgstr and not e.obsolete]
    assert len(translated) > 150
    in_script = sum(1 for e in translated if re.search(SCRIPTS[lang], e.msgstr))
    assert in_script / len(translated) > 0.6
    for entry in translated:
        assert entry.msgstr.count("[^") == entry.msgid.count("[^"), entry.msgid


def test_termbase_has_the_key_terms_in_every_language() -> None:
    english = None
    for lang in LANGUAGES:
        terms = yaml.safe_load((ROOT / "translations" / "terms" / f"{lang}.yml").read_text(encoding="utf-8"))
        assert len(terms) >= 40, lang
        names = [t["en"] for t in terms]
        assert {"trafficking in persons", "forced labour", "due diligence", "supply chain",
                "promising practice", "PPP", "FIU", "tips", "lessons learnt"} <= set(names), lang
        assert all(t["approved"] for t in terms), lang
        english = english or names
        assert names == english, f"{lang}: the termbases list the same English terms in the same order"


def test_termbase_is_exported_into_the_po_comments() -> None:
    po = polib.pofile(str(ROOT / "translations" / "fr.po"))
    entry = next(e for e in po if "trafficking in persons" in e.msgid.lower()
                 and any(f == "source/front/introduction.md" for f, _ in e.occurrences))
    assert "Term: trafficking in persons = traite des personnes" in entry.comment


def test_termbase_check_flags_a_translation_that_avoids_an_approved_term(tmp_path: Path) -> None:
    root = tmp_path / "p"
    for name in ("source", "themes", "translations"):
        shutil.copytree(ROOT / name, root / name)
    po_file = root / "translations" / "fr.po"
    po = polib.pofile(str(po_file))
    entry = next(e for e in po if e.msgid.startswith("Trafficking in persons is a serious crime"))
    assert "traite des personnes" in entry.msgstr
    entry.msgstr = entry.msgstr.replace("traite des personnes", "trafic humain")
    po.save()
    proc = cli("check", "--source", str(root / "source"))
    assert re.search(r"translations/fr\.po:\d+: warning: \"Trafficking in persons is a serious crime.*\": source has "
                     r"'trafficking in persons' \d time\(s\) but the translation "
                     r"(does not use|uses only \d time\(s\) of \d) the approved 'traite des personnes'",
                     proc.stderr), proc.stderr
    assert cli("check", "-W", "--source", str(root / "source")).returncode == 1
    status = json.loads(cli("i18n", "status", "--format", "json", "--project", str(root)).stdout)
    shipped = json.loads(cli("i18n", "status", "--format", "json").stdout)["fr"]["all"]["term_warnings"]
    assert status["fr"]["all"]["term_warnings"] == shipped + 1


def test_check_passes_on_every_shipped_translation() -> None:
    # No errors. Termbase warnings are for translators to review: the check counts uses
    # (a term used twice in the English needs two approved forms, or a `# term-ok:` comment).
    proc = cli("check")
    assert proc.returncode == 0, proc.stderr
    assert all("[termbase]" in line for line in proc.stderr.splitlines() if ": warning:" in line), proc.stderr


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_factsheet_builds_within_its_budget(editions: Path, lang: str) -> None:
    for sector, budget in (("supply-chains", 4), ("financial", 4), ("technology", 4)):
        pdf = editions / "build" / lang / f"factsheet-{sector}.pdf"
        reader = pypdf.PdfReader(str(pdf))
        assert 1 < len(reader.pages) <= budget, (lang, sector)
        text = "".join(page.extract_text() or "" for page in reader.pages)
        assert re.search(SCRIPTS[lang], text), (lang, sector)
        assert reader.trailer["/Root"]["/Lang"] == lang


@pytest.mark.parametrize("lang", LANGUAGES)
def test_epubcheck_reports_nothing_for_every_language(editions: Path, lang: str) -> None:
    proc = cli("validate", "--project", str(editions), str(editions / "build" / lang / "compendium.epub"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 error(s), 0 warning(s)" in proc.stdout


def test_arabic_epub_documents_run_right_to_left(editions: Path) -> None:
    with zipfile.ZipFile(editions / "build" / "ar" / "compendium.epub") as epub:
        documents = [n for n in epub.namelist() if n.endswith(".xhtml")]
        assert len(documents) > 10
        for name in documents:
            head = epub.read(name).decode("utf-8")[:600]
            assert 'dir="rtl"' in head and 'lang="ar"' in head, name
        fonts = [n for n in epub.namelist() if n.endswith((".ttf", ".otf"))]
        assert any("Arabic" in n for n in fonts)


def test_chinese_epub_carries_a_cjk_font(editions: Path) -> None:
    with zipfile.ZipFile(editions / "build" / "zh-Hans" / "compendium.epub") as epub:
        assert any("CJK" in n for n in epub.namelist())


def test_french_print_edition_is_french_throughout(editions: Path) -> None:
    reader = pypdf.PdfReader(str(editions / "build" / "fr" / "compendium-print.pdf"))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    assert "Table des matières" in text and "Traduction provisoire" in text
    assert "section 1.4, page" in text or "section 1.4" in text
    english_only = ["Maximising PPP Success and Overcoming Challenges", "Recommended Resources"]
    assert not any(phrase in text for phrase in english_only)
