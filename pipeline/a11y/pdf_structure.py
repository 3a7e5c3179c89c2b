"""The tagged structure of a PDF, checked against PDF/UA-1 (Matterhorn protocol).

Read with pikepdf from the built file, never from the HTML it was made from.
Each check names its Matterhorn failure condition:

- 01-005 / 18-001: every piece of marked content belongs to a structure
  element reachable from the structure tree's root, or is an Artifact; no
  text is drawn outside marked content.
- 28-011: every Link annotation is the child of a Link structure element;
  its /Contents says in words where it goes (not the id or URL it targets).
- 15-003: every TH has a Scope.
- 14-003: heading levels do not skip going down.
- 19-001 / 19-003: endnotes are Note elements, references to them are
  inside Reference elements (our note links target `fn-...`).
- paragraphs and tables are one element each, not one per page (compared
  with the number the HTML holds, when it is given).
- a passage in another language carries /Lang; in a right-to-left edition
  text carries /ActualText in logical order.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf

from ..languages import direction
from ..pdf_tree import parent_tree
from .findings import Finding, open_pdf

TEXT_OPERATORS = {"Tj", "TJ", "'", '"'}
HEADING = re.compile(r"^/H([1-6])$")
# An id: what WeasyPrint puts in an internal link's /Contents by default.
_ID_LIKE = re.compile(r"^[a-z][\w:.-]*$")


@dataclass
class Expected:
    """What the HTML the PDF was laid out from holds (counted by `expected_from_html`)."""

    paragraphs: int | None = None
    tables: int | None = None
    notes: int | None = None
    language_switches: int | None = None


@dataclass
class _Tree:
    reachable: dict[tuple[int, int], pikepdf.Dictionary] = field(default_factory=dict)
    order: list[pikepdf.Dictionary] = field(default_factory=list)  # depth-first, reading order
    parent: dict[tuple[int, int], pikepdf.Dictionary] = field(default_factory=dict)


def _key(obj: pikepdf.Object) -> tuple[int, int]:
    return obj.objgen


def _kids(elem: pikepdf.Dictionary) -> list[pikepdf.Object]:
    k = elem.get("/K")
    if k is None:
        return []
    if isinstance(k, pikepdf.Array):
        return list(k)
    return [k]


def _is_elem(obj: pikepdf.Object) -> bool:
    return isinstance(obj, pikepdf.Dictionary) and "/S" in obj and obj.get("/Type", "/StructElem") == "/StructElem"


def _walk(root: pikepdf.Dictionary) -> _Tree:
    tree = _Tree()

    def visit(elem: pikepdf.Dictionary, parent: pikepdf.Dictionary | None) -> None:
        if _key(elem) in tree.reachable and _key(elem) != (0, 0):
            return
        tree.reachable[_key(elem)] = elem
        tree.order.append(elem)
        if parent is not None:
            tree.parent[_key(elem)] = parent
        for kid in _kids(elem):
            if _is_elem(kid):
                visit(kid, elem)

    for top in _kids(root):
        if _is_elem(top):
            visit(top, None)
    return tree


def _ancestors(tree: _Tree, elem: pikepdf.Dictionary) -> Iterator[pikepdf.Dictionary]:
    key = _key(elem)
    while key in tree.parent:
        elem = tree.parent[key]
        key = _key(elem)
        yield elem


def _mcid(operands: list[pikepdf.Object], resources: pikepdf.Dictionary | None) -> int | None:
    if len(operands) < 2:
        return None
    props = operands[1]
    if isinstance(props, pikepdf.Name) and resources is not None:
        props = resources.get("/Properties", {}).get(str(props))
    if isinstance(props, pikepdf.Dictionary) and "/MCID" in props:
        return int(props["/MCID"])
    return None


def _marked_content(page: pikepdf.Page) -> tuple[list[int], int]:
    """The MCIDs a page's content uses, and how many text operators it draws outside
    any marked content (form XObjects followed, with the caller's marking)."""
    mcids: list[int] = []
    unmarked_text = 0

    def scan(stream_owner: pikepdf.Object, resources: pikepdf.Dictionary | None, depth_in: int) -> None:
        nonlocal unmarked_text
        depth = depth_in
        for operands, operator in pikepdf.parse_content_stream(stream_owner):
            op = str(operator)
            if op in ("BDC", "BMC"):
                depth += 1
                if op == "BDC":
                    mcid = _mcid(list(operands), resources)
                    if mcid is not None:
                        mcids.append(mcid)
            elif op == "EMC":
                depth -= 1
            elif op in TEXT_OPERATORS and depth == 0:
                unmarked_text += 1
            elif op == "Do" and resources is not None:
                xobj = resources.get("/XObject", {}).get(str(operands[0]))
                if xobj is not None and xobj.get("/Subtype") == "/Form":
                    scan(xobj, xobj.get("/Resources", resources), depth)

    scan(page.obj, page.obj.get("/Resources"), 0)
    return mcids, unmarked_text


def _text_of(elem: pikepdf.Dictionary) -> str:
    for key in ("/ActualText", "/Alt"):
        if key in elem:
            return str(elem[key])
    return ""


def check_pdf(path: Path, shown: str, expected: Expected | None = None) -> list[Finding]:
    """Every structure finding for the PDF at `path` (`shown` names it in findings)."""
    findings: list[Finding] = []

    def add(rule: str, where: str, message: str, impact: str = "serious") -> None:
        findings.append(Finding(shown, rule, where, message, impact))

    with open_pdf(path, shown) as pdf:
        root = pdf.Root.get("/StructTreeRoot")
        if root is None:
            add("matterhorn 01-005", "document", "the PDF is not tagged (no StructTreeRoot)", "critical")
            return findings
        doc_lang = str(pdf.Root.get("/Lang", "")).lower()
        tree = _walk(root)
        parents = parent_tree(root)
        page_index = {page.obj.objgen: n for n, page in enumerate(pdf.pages)}

        # 01-005 / 18-001: content is reachable structure or an artifact.
        unreachable_pages: list[int] = []
        unmapped = 0
        unmarked_pages: list[int] = []
        for n, page in enumerate(pdf.pages):
            mcids, unmarked = _marked_content(page)
            if unmarked:
                unmarked_pages.append(n + 1)
            struct_parents = page.obj.get("/StructParents")
            per_mcid = parents.get(int(struct_parents)) if struct_parents is not None else None
            for mcid in mcids:
                if per_mcid is None or mcid >= len(per_mcid) or not isinstance(per_mcid[mcid], pikepdf.Dictionary):
                    unmapped += 1
                    continue
                if _key(per_mcid[mcid]) not in tree.reachable:
                    unreachable_pages.append(n + 1)
        if unreachable_pages:
            pages = sorted(set(unreachable_pages))
            add("matterhorn 18-001", _pages(pages),
                f"{len(unreachable_pages)} pieces of content belong to structure elements the document does not "
                "reach (running heads, folios?): tag them as Artifacts or link them into the tree")
        if unmapped:
            add("matterhorn 01-005", "document", f"{unmapped} marked-content ids are missing from the ParentTree")
        if unmarked_pages:
            add("matterhorn 01-005", _pages(unmarked_pages),
                "text drawn outside any marked content: neither real content nor an artifact")

        # 28-011 and link text.
        id_like = 0
        examples: list[str] = []
        wrong_parent = 0
        parent_examples: list[str] = []
        for n, page in enumerate(pdf.pages):
            for annot in page.obj.get("/Annots", []):
                if annot.get("/Subtype") != "/Link":
                    continue
                target = _link_target(annot)
                internal = "/Dest" in annot or (isinstance(annot.get("/A"), pikepdf.Dictionary)
                                                and annot.A.get("/S") == "/GoTo")
                contents = str(annot.get("/Contents", ""))
                # An internal link must not be described by the id it targets; a web
                # address printed as the link's text may describe itself.
                if not contents.strip() or (internal and (contents == target or _ID_LIKE.match(contents))):
                    id_like += 1
                    if len(examples) < 3:
                        examples.append(f"p.{n + 1} {contents or '(none)'!r}")
                sp = annot.get("/StructParent")
                elem = parents.get(int(sp)) if sp is not None else None
                if not isinstance(elem, pikepdf.Dictionary) or elem.get("/S") != "/Link":
                    wrong_parent += 1
                    if len(parent_examples) < 3:
                        got = elem.get("/S") if isinstance(elem, pikepdf.Dictionary) else "nothing"
                        parent_examples.append(f"p.{n + 1} {got}")
        if id_like:
            add("matterhorn 28-010", "links", f"{id_like} link annotations have no /Contents in words "
                f"(an id or an address instead): {', '.join(examples)}")
        if wrong_parent:
            add("matterhorn 28-011", "links", f"{wrong_parent} link annotations are not the child of a Link "
                f"element: {', '.join(parent_examples)}")

        # 15-003, 14-003, notes, counts, languages.
        no_scope = 0
        nested_headings = 0
        headings: list[int] = []
        skips: list[str] = []
        notes = 0
        paragraphs = 0
        tables = 0
        with_lang = 0
        note_refs_outside_reference = 0
        rtl_without_actual_text = 0
        for elem in tree.order:
            tag = str(elem.get("/S"))
            if tag == "/TH" and not _has_scope(elem):
                no_scope += 1
            if m := HEADING.match(tag):
                if any(HEADING.match(str(a.get("/S"))) for a in _ancestors(tree, elem)):
                    nested_headings += 1
                level = int(m.group(1))
                if headings and level > headings[-1] + 1:
                    skips.append(f"H{headings[-1]} to H{level}")
                headings.append(level)
            if tag == "/Note":
                notes += 1
            elif tag == "/P":
                paragraphs += 1
            elif tag == "/Table":
                tables += 1
            if "/Lang" in elem:
                with_lang += 1
            if tag == "/Link" and _is_note_ref(elem):
                if not any(a.get("/S") == "/Reference" for a in _ancestors(tree, elem)):
                    note_refs_outside_reference += 1
            if direction(doc_lang) == "rtl" and _has_mcids(elem) and not _has_actual_text(tree, elem):
                if not _lang_ltr(tree, elem):
                    rtl_without_actual_text += 1
        if no_scope:
            add("matterhorn 15-003", "tables", f"{no_scope} TH cells have no Scope")
        if skips:
            add("matterhorn 14-003", "headings", f"{len(skips)} heading levels skipped: {', '.join(skips[:4])}",
                "moderate")
        if nested_headings:
            add("matterhorn 14-006", "headings", f"{nested_headings} headings are nested inside headings",
                "moderate")
        if note_refs_outside_reference:
            add("matterhorn 19-003", "notes", f"{note_refs_outside_reference} note references are not inside a "
                "Reference element")
        if expected is not None:
            if expected.notes is not None and notes != expected.notes:
                add("matterhorn 19-001", "notes", f"{notes} Note elements for {expected.notes} notes in the book")
            if expected.paragraphs is not None and paragraphs != expected.paragraphs:
                add("structure", "paragraphs", f"{paragraphs} P elements for {expected.paragraphs} paragraphs: "
                    "paragraphs split at page breaks are two elements", "moderate")
            if expected.tables is not None and tables != expected.tables:
                add("structure", "tables", f"{tables} Table elements for {expected.tables} tables: "
                    "tables split at page breaks are several elements", "moderate")
            if expected.language_switches is not None and with_lang < expected.language_switches:
                add("matterhorn 11-006", "languages", f"{with_lang} elements carry /Lang for "
                    f"{expected.language_switches} passages in another language")
        if rtl_without_actual_text:
            add("matterhorn 01-006", "text", f"{rtl_without_actual_text} right-to-left text elements have no "
                "/ActualText: their text reads back in visual (reversed) order")
        del page_index
    return findings


def _pages(pages: list[int]) -> str:
    pages = sorted(set(pages))
    shown = ", ".join(str(p) for p in pages[:8])
    return f"pages {shown}{'…' if len(pages) > 8 else ''}"


def _link_target(annot: pikepdf.Dictionary) -> str:
    if "/Dest" in annot:
        return str(annot["/Dest"])
    action = annot.get("/A")
    if isinstance(action, pikepdf.Dictionary):
        if "/URI" in action:
            return str(action["/URI"])
        if "/D" in action:
            return str(action["/D"])
    return ""


def _has_scope(elem: pikepdf.Dictionary) -> bool:
    attrs = elem.get("/A")
    if attrs is None:
        return False
    attrs_list = list(attrs) if isinstance(attrs, pikepdf.Array) else [attrs]
    return any(isinstance(a, pikepdf.Dictionary) and "/Scope" in a for a in attrs_list)


def _is_note_ref(elem: pikepdf.Dictionary) -> bool:
    for kid in _kids(elem):
        if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/OBJR":
            target = _link_target(kid.get("/Obj"))
            if target.startswith("fn-"):
                return True
    return False


def _has_mcids(elem: pikepdf.Dictionary) -> bool:
    return any(isinstance(k, int) or (isinstance(k, pikepdf.Object) and _is_int(k)) or
               (isinstance(k, pikepdf.Dictionary) and k.get("/Type") == "/MCR") for k in _kids(elem))


def _is_int(obj: pikepdf.Object) -> bool:
    try:
        int(obj)
    except (TypeError, ValueError):
        return False
    return not isinstance(obj, (pikepdf.Dictionary, pikepdf.Array))


def _has_actual_text(tree: _Tree, elem: pikepdf.Dictionary) -> bool:
    return "/ActualText" in elem or "/Alt" in elem or any("/ActualText" in a for a in _ancestors(tree, elem))


def _lang_ltr(tree: _Tree, elem: pikepdf.Dictionary) -> bool:
    for e in (elem, *_ancestors(tree, elem)):
        if "/Lang" in e:
            return direction(str(e["/Lang"])) != "rtl"
    return False


__all__ = ["Expected", "check_pdf"]


def expected_from_html(html_text: str) -> Expected:
    """Count what the PDF's structure must hold, from the HTML it was laid out from."""
    from lxml import html as lxml_html

    root = lxml_html.document_fromstring(html_text)
    body = root.find("body")
    assert body is not None
    switches = 0
    for element in body.iter():
        lang = element.get("lang")
        if lang is None or not isinstance(element.tag, str):
            continue
        parent_lang = next((a.get("lang") for a in element.iterancestors() if a.get("lang")), None)
        if lang != parent_lang:
            switches += 1
    return Expected(
        paragraphs=len(body.findall(".//p")),
        tables=len(body.findall(".//table")),
        notes=len(body.xpath(".//li[@role='doc-endnote']")),
        language_switches=switches,
    )
