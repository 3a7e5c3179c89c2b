"""The tagged PDF's structure, made whole (PDF/UA-1, Matterhorn protocol).

WeasyPrint (70.x) tags a PDF page by page from its box tree: an element that
runs over a page break becomes one structure element per page, running heads
and folios become structure elements that nothing reaches, a link's
/Contents is its target id, TH cells get no Scope, and the text of
right-to-left lines is stored in visual order with nothing to restore it.
None of this can be said in HTML or CSS, and WeasyPrint has no option for it.

So the repair has two steps, both here:

1. `semantic_tags()`, active while WeasyPrint writes the PDF, wraps the
   tagger's per-box step (`weasyprint.pdf.tags._build_box_tree`, the one
   place where a structure element meets the HTML element it comes from). It
   joins an element continued on a later page to its first part; tags notes
   as Note and note references as Reference; gives TH its Scope, elements in
   another language their /Lang, right-to-left text its /ActualText, and each
   link a /Contents in words (its aria-label, else its text); moves a link
   annotation that WeasyPrint hung on a Span up to its Link; and records which
   marked content belongs to margin boxes (running heads and folios).
2. `finish_pdf()`, with pikepdf on the written file, turns that margin-box
   content into Pagination artifacts in the page content streams and drops it
   from the ParentTree; saving with pikepdf also drops the structure objects
   nothing refers to any more.

The hook depends on WeasyPrint's private tagger, so pyproject.toml pins
WeasyPrint to 70.x and tests/test_a11y.py reads the structure tree of the
built PDFs: an upgrade that changes the tagger fails those tests, not readers.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from ..languages import RIGHT_TO_LEFT_CHARACTERS
from ..pdf_tree import parent_tree

_SPACES = re.compile(r"\s+")
# Elements whose parts on several pages are one element in the structure tree.
_JOINED = {"/P", "/Sect", "/Div", "/Table", "/THead", "/TBody", "/TR", "/L", "/LI", "/LBody", "/BlockQuote",
           "/Part", "/Art", "/Note", "/TD", "/TH", "/Caption", "/H1", "/H2", "/H3", "/H4", "/H5", "/H6",
           "/NonStruct", "/Link", "/Span"}


_NOT_NESTED = {"/H1", "/H2", "/H3", "/H4", "/H5", "/H6", "/P"}


@dataclass
class TagRepairs:
    """What step 1 learnt for step 2: margin-box content per page (0-based)."""

    artifact_mcids: dict[int, set[int]] = field(default_factory=dict)


def _text_of(element: Any) -> str:
    return _SPACES.sub(" ", "".join(element.itertext())).strip()


def _link_words(element: Any) -> str:
    """What a link says to someone who cannot see it: its aria-label, its title, its text."""
    for attribute in ("aria-label", "title"):
        value = element.get(attribute)
        if value and value.strip():
            return _SPACES.sub(" ", value).strip()
    return _text_of(element)


@contextlib.contextmanager
def semantic_tags() -> Iterator[TagRepairs]:
    """Wrap WeasyPrint's tagger while a PDF is written (see the module's docstring)."""
    import pydyf
    from weasyprint.formatting_structure import boxes
    from weasyprint.pdf import tags as wp_tags

    original = wp_tags._build_box_tree
    repairs = TagRepairs()
    # (html element, tag) -> the structure element made for its first part, and its page
    first_part: dict[tuple[int, str], tuple[Any, Any, int]] = {}
    # The HTML elements of the boxes being built, outermost first (the stdlib
    # elements WeasyPrint parses into do not know their parents).
    open_elements: list[Any] = []
    document = {"rtl": False}
    line_final: set[int] = set()  # text boxes that end a line of their block

    def text_kids(box: Any, tags: dict[Any, Any]) -> list[tuple[int, str, str]]:
        """(mcid, text, direction) of the text boxes this box's lines hold directly."""
        out = []
        lines = [c for c in getattr(box, "children", ()) if isinstance(c, boxes.LineBox)]
        for line in lines[:-1]:
            # The space where a line wraps belongs to no text box: give it back
            # to the line's last text (however deep in inline boxes), or the last
            # word of a line runs into the first of the next.
            node = line
            while getattr(node, "children", None):
                node = node.children[-1]
            if isinstance(node, boxes.TextBox):
                line_final.add(id(node))
        for child in getattr(box, "children", ()):
            for text_box in child.children if isinstance(child, boxes.LineBox) else [child]:
                if not (isinstance(text_box, boxes.TextBox) and text_box in tags):
                    continue
                text = text_box.text
                if id(text_box) in line_final and text and not text[-1].isspace() and text[-1] not in "-\u2010\u00ad":
                    text += " "
                out.append((tags[text_box]["mcid"], text, text_box.style["direction"]))
        return out

    def margin_mcids(box: Any, tags: dict[Any, Any]) -> Iterator[int]:
        if box in tags:
            yield tags[box]["mcid"]
        for child in getattr(box, "children", ()):
            yield from margin_mcids(child, tags)

    def join(old: Any, new: Any, pdf: Any, nums: dict[int, Any], annotations: list[Any]) -> None:
        """Move the kids of `new` (a later page's part) into `old`, its first part."""
        page_ref = new["Pg"]
        for kid in new["K"]:
            if isinstance(kid, int):  # marked content of another page than old's
                mcr = pydyf.Dictionary({"Type": "/MCR", "Pg": page_ref, "MCID": kid})
                old["K"].append(mcr)
                if nums.get(kid) == new.reference:
                    nums[kid] = old.reference
            else:
                old["K"].append(kid)
                obj = pdf.objects[int(kid.split()[0])]
                if isinstance(obj, pydyf.Dictionary) and obj.get("P") == new.reference:
                    obj["P"] = old.reference
        for mcid, ref in list(nums.items()):
            if ref == new.reference:
                nums[mcid] = old.reference
        for i, (ref, annotation) in enumerate(annotations):
            if ref == new.reference:
                annotations[i] = (old.reference, annotation)

    def build(box: Any, parent: Any, pdf: Any, page_number: int, nums: dict[int, Any],
              annotations: list[Any], tags: dict[Any, Any]) -> Iterator[Any]:
        if isinstance(box, boxes.MarginBox):
            repairs.artifact_mcids.setdefault(page_number, set()).update(margin_mcids(box, tags))
            yield from original(box, parent, pdf, page_number, nums, annotations, tags)
            return
        if getattr(box, "element_tag", None) == "html":
            # In a right-to-left edition every run gets /ActualText, the
            # left-to-right ones too: a reader then takes the whole line in order.
            document["rtl"] = box.style["direction"] == "rtl"
        if getattr(box, "element_tag", None) in ("html", "body") or isinstance(box, boxes.PageBox):
            # These make no element of their own: what they yield is their
            # descendants', already seen by this function.
            yield from original(box, parent, pdf, page_number, nums, annotations, tags)
            return
        element_html = getattr(box, "element", None)
        kids_text = text_kids(box, tags)
        # A table header repeated on a later page is a repeat, not content:
        # its marked content becomes an artifact like a running head.
        header_mcids = list(margin_mcids(box, tags)) if getattr(box, "element_tag", "") == "thead" else []
        annotations_before = len(annotations)
        open_elements.append(element_html)
        try:
            built = list(original(box, parent, pdf, page_number, nums, annotations, tags))
        finally:
            open_elements.pop()
        for element in built:
            if element_html is None or element.get("S") is None:
                yield element
                continue
            tag = str(element["S"])
            if tag in _NOT_NESTED and parent is not None and str(parent.get("S")) == tag:
                # An anonymous block inside a heading or paragraph is not a second one.
                element["S"] = "/NonStruct"
                tag = "/NonStruct"
            principal = box.element_tag == getattr(element_html, "tag", None)  # not a ::before/::marker
            _describe(element, element_html, pdf, tag, annotations, annotations_before, parent, principal)
            _actual_text(element, kids_text, nums, pdf)
            key = (id(element_html), f"{tag}:{getattr(box, 'element_tag', '')}")
            seen = first_part.get(key)
            if seen is not None and seen[2] != page_number and tag == "/THead":
                repairs.artifact_mcids.setdefault(page_number, set()).update(header_mcids)
                continue
            if seen is not None and seen[2] != page_number and tag in _JOINED:
                join(seen[1], element, pdf, nums, annotations)
                continue  # the first part, already in the tree, now holds it all
            if seen is None:
                first_part[key] = (element_html, element, page_number)
            if tag == "/Link" and element_html.get("role") == "doc-noteref":
                yield _wrapped_in_reference(element, parent, pdf)
                continue
            yield element

    def _describe(element: Any, html: Any, pdf: Any, tag: str, annotations: list[Any], start: int,
                  parent: Any, principal: bool) -> None:
        if principal:
            _semantics(element, html, tag)
        _links(element, html, pdf, tag, annotations, start, parent)

    def _semantics(element: Any, html: Any, tag: str) -> None:
        role = html.get("role") or ""
        epub_type = html.get("{http://www.idpf.org/2007/ops}type") or ""
        if tag == "/LI" and ("doc-endnote" in role or "endnote" in epub_type):
            element["S"] = "/Note"
        elif tag == "/L" and "notes" in (html.get("class") or "").split():
            element["S"] = "/Div"  # a list of Notes, not a list of items
        elif tag == "/TH":
            scope = "/Row" if html.get("scope") == "row" else "/Column"
            element["A"]["Scope"] = scope
        lang = html.get("lang")
        if lang:
            element["Lang"] = pydyf.String(lang)

    def _links(element: Any, html: Any, pdf: Any, tag: str, annotations: list[Any], start: int,
               parent: Any) -> None:
        # Link annotations WeasyPrint made for this box: a /Contents in words,
        # and hung on the Link element itself (not on a Span inside it).
        for i in range(start, len(annotations)):
            ref, annotation = annotations[i]
            if ref != element.reference:
                continue
            link_html = html
            owner = element
            link_ancestor = _nearest_link(parent, pdf) if tag != "/Link" else None
            if link_ancestor is not None:
                owner = link_ancestor
                for j, kid in enumerate(element["K"]):
                    if not isinstance(kid, int) and _is_objr(pdf, kid, annotation):
                        owner["K"].append(element["K"].pop(j))
                        break
                annotations[i] = (owner.reference, annotation)
                link_html = next((e for e in reversed(open_elements) if getattr(e, "tag", None) == "a"), html)
            words = _link_words(link_html)
            if words:
                annotation["Contents"] = pydyf.String(words)

    def _nearest_link(element: Any, pdf: Any) -> Any:
        """The Link element `element` is, or is inside (a span in a link), if any."""
        for _ in range(8):
            if element is None or not isinstance(element, pydyf.Dictionary):
                return None
            if str(element.get("S")) == "/Link":
                return element
            ref = element.get("P")
            element = pdf.objects[int(ref.split()[0])] if isinstance(ref, bytes) else None
        return None

    def _is_objr(pdf: Any, ref: Any, annotation: Any) -> bool:
        obj = pdf.objects[int(ref.split()[0])]
        return isinstance(obj, pydyf.Dictionary) and obj.get("Obj") == annotation.reference

    def _actual_text(element: Any, kids_text: list[tuple[int, str, str]], nums: dict[int, Any], pdf: Any) -> None:
        # Right-to-left runs are drawn in visual order: /ActualText gives the
        # logical order back to text extraction and screen readers. Texts that
        # mark the same element (a Link holds its text directly) are joined.
        texts: dict[Any, list[str]] = {}
        for mcid, text, direction in kids_text:
            if not document["rtl"] and direction != "rtl" and not RIGHT_TO_LEFT_CHARACTERS.search(text):
                continue
            ref = nums.get(mcid)
            if ref is not None:
                texts.setdefault(ref, []).append(text)
        for ref, parts in texts.items():
            kid = pdf.objects[int(ref.split()[0])]
            if isinstance(kid, pydyf.Dictionary) and "ActualText" not in kid:
                kid["ActualText"] = pydyf.String("".join(parts))

    def _wrapped_in_reference(link: Any, parent: Any, pdf: Any) -> Any:
        reference = pydyf.Dictionary({
            "Type": "/StructElem", "S": "/Reference", "K": pydyf.Array([link.reference]),
            "Pg": link["Pg"], "P": parent.reference,
        })
        pdf.add_object(reference)
        link["P"] = reference.reference
        return reference

    wp_tags._build_box_tree = build
    try:
        yield repairs
    finally:
        wp_tags._build_box_tree = original


def finish_pdf(src: Path | BinaryIO, dest: Path | BinaryIO, repairs: TagRepairs) -> None:
    """Step 2: margin-box content becomes Pagination artifacts, and hyphenation
    hyphens soft hyphens in the text layer (see textlayer.py); write `dest`."""
    import pikepdf

    with pikepdf.open(src) as pdf:
        root = pdf.Root.get("/StructTreeRoot")
        if root is not None and repairs.artifact_mcids:
            per_page = parent_tree(root)
            for number, page in enumerate(pdf.pages):
                mcids = repairs.artifact_mcids.get(number)
                if not mcids:
                    continue
                _mark_as_artifacts(pdf, page, mcids)
                key = page.obj.get("/StructParents")
                array = per_page.get(int(key)) if key is not None else None
                if array is not None:
                    for mcid in mcids:
                        if mcid < len(array):
                            array[mcid] = None
        from .textlayer import soft_hyphenate_text_layer

        soft_hyphenate_text_layer(pdf)
        pdf.save(dest, deterministic_id=True, compress_streams=True,
                 object_stream_mode=pikepdf.ObjectStreamMode.generate)


def _mark_as_artifacts(pdf: Any, page: Any, mcids: set[int]) -> None:
    import pikepdf

    pagination = pikepdf.Dictionary(Type=pikepdf.Name.Pagination)
    ops = []
    for operands, operator in pikepdf.parse_content_stream(page.obj):
        if str(operator) == "BDC" and len(operands) >= 2 and isinstance(operands[1], pikepdf.Dictionary):
            mcid = operands[1].get("/MCID")
            if mcid is not None and int(mcid) in mcids:
                ops.append(pikepdf.ContentStreamInstruction([pikepdf.Name.Artifact, pagination],
                                                            pikepdf.Operator("BDC")))
                continue
        ops.append(pikepdf.ContentStreamInstruction(operands, operator))
    page.obj.Contents = pdf.make_stream(pikepdf.unparse_content_stream(ops))
