"""The one markdown-it-py configuration, and Markdown -> model blocks.

CommonMark plus: pipe tables, fenced containers for icon boxes
(`::: tips {#id title="..."}`), footnote references `[^xii]`, trailing
`{#id}` attributes on headings, and Pandoc's bracketed language spans
`[text]{lang=en}` (the one attribute a span may carry). Raw HTML is parsed only so that it can be
refused with a location; it never reaches an edition.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.rules_block.table import escapedSplit
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from mdit_py_plugins.attrs import attrs_plugin
from mdit_py_plugins.container import container_plugin

from .errors import SourceError
from .model import (
    Block,
    BlockQuote,
    Box,
    Cell,
    Code,
    Emph,
    FootnoteRef,
    Heading,
    Inline,
    Link,
    ListBlock,
    ListItem,
    Loc,
    Paragraph,
    SoftBreak,
    Span,
    Strong,
    Table,
    Text,
    XRef,
    walk_inlines,
)

# \A...\Z, not ^...$: `$` also matches before a final newline, and an id
# "intro\n" (a YAML escape) would pass and then carry the newline into every
# translation context and file name derived from it.
ID_RE = re.compile(r"\A[a-z0-9][a-z0-9-]*\Z")
FOOTNOTE_LABEL_RE = re.compile(r"\A[a-z0-9][a-z0-9-]*\Z")

# Ids the pipeline writes itself (templates, EPUB documents, notes, page
# list). An author's id equal to one of them gives two elements with one id,
# and a cross-reference or page number that lands on the wrong one.
RESERVED_IDS = frozenset({
    "cover", "imprint", "contents", "icon-table", "footnotes", "landmarks", "page-list",
})
_RESERVED_ID_RE = re.compile(r"\A(?:fn-.*|fnref-.*|page-[0-9]+|.*-title)\Z", re.S)


def id_problem(ident: str) -> str | None:
    """Why `ident` cannot be an author's id, or None when it can."""
    if not ID_RE.match(ident):
        return f"id '{ident}' must be lower case letters, digits and hyphens"
    if ident in RESERVED_IDS or _RESERVED_ID_RE.match(ident):
        return (f"id '{ident}' is reserved: the pipeline writes it itself "
                "(cover, imprint, contents, icon-table, footnotes, landmarks, page-list, "
                "page-N, fn-*, fnref-*, *-title)")
    return None


_BLOCK_NAMES = {
    "heading_open": "a heading", "container_box_open": "a box fence (:::)", "table_open": "a table",
    "bullet_list_open": "a list", "ordered_list_open": "a list", "blockquote_open": "a block quote",
    "fence": "a code block", "code_block": "a code block", "hr": "a rule (---)",
}


def block_markdown(text: str) -> str | None:
    """What block-level Markdown `text` holds (a heading, a box fence, a table,
    a second paragraph...), or None when it is one run of inline text."""
    try:
        _bound(text, Loc("", 0), "this text", MAX_INLINE_CHARS)
    except SourceError:
        return None  # too large to look at: parse_inline refuses it, with its line
    tokens = _PARSER.parse(text)
    paragraphs = 0
    for token in tokens:
        if token.type in _BLOCK_NAMES:
            return _BLOCK_NAMES[token.type]
        if token.type == "paragraph_open":
            paragraphs += 1
            if paragraphs > 1:
                return "a second paragraph (a blank line)"
        elif token.type not in ("inline", "paragraph_close", "html_block"):  # (raw HTML: its own, clearer refusal)
            return f"block Markdown ({token.type.removesuffix('_open')})"
    return None


def refuse_footnotes(inlines: list[Inline], where: str) -> None:
    """A footnote reference in text printed where no notes are (a sector's
    introduction, a factsheet summary) would be dropped: refuse it, with its line."""
    for node in walk_inlines(inlines):
        if isinstance(node, FootnoteRef):
            raise SourceError(f"footnote reference '[^{node.label}]' in {where}, which is printed "
                              "without notes (in the factsheet): move the note into the text, "
                              "or cite it in the book", node.loc)


def validate_id(ident: str, loc: Loc) -> str:
    """The one validation of an author's id (sections, headings, boxes, tables)."""
    problem = id_problem(ident)
    if problem:
        raise SourceError(problem, loc)
    return ident

# A BCP 47 language tag as the book uses them: "en", "zh-Hans", "pt-BR".
LANG_TAG_RE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")
# `]{` left in text: a span whose attributes markdown-it could not read.
_BROKEN_SPAN_RE = re.compile(r"\]\{")
_FENCE_RE = re.compile(r"^(\s*)(:{3,})(.*)$")
_HEADING_ATTR_RE = re.compile(r"\s*\{([^{}]*)\}\s*$")
_ATTR_TOKEN_RE = re.compile(
    r"""\s*(?:\#(?P<id>[^\s}]+)|\.(?P<cls>[^\s}]+)|(?P<key>[A-Za-z][\w-]*)=(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[^\s"'}]+)))"""
)


def _footnote_ref_rule(state: StateInline, silent: bool) -> bool:
    """`[^label]` -> a footnote_ref token (definitions live in footnotes.md)."""
    src, pos = state.src, state.pos
    if not src.startswith("[^", pos):
        return False
    end = src.find("]", pos + 2)
    if end < 0:
        return False
    label = src[pos + 2 : end]
    if not label or any(c.isspace() for c in label) or "[" in label:
        return False
    # `[^x]: ...` at a line start is a definition, which only footnotes.md may hold.
    if not silent:
        token = state.push("footnote_ref", "", 0)
        token.meta = {"label": label}
    state.pos = end + 1
    return True


# Schemes refused as soon as they are read: whatever a later check says, such
# a link must never reach an edition.
REFUSED_SCHEMES = ("javascript", "vbscript", "data", "file")
# Deeper nesting of emphasis and links is never meant; it would also exhaust
# the recursion of every stage that walks inline nodes.
MAX_INLINE_DEPTH = 16
# markdown-it stops parsing a document at its maxNesting (20 in the CommonMark
# preset) and silently drops everything after that point. Its limit is raised
# well above ours, and ours is enforced with a message (the book's deepest
# block, a list in a box, is at level 4).
MAX_BLOCK_DEPTH = 16


def make_parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False,
                                   "maxNesting": 100})
    # markdown-it turns a `javascript:` link into literal text, and percent-encodes
    # a space in `<...>`: both would pass unnoticed. Keep every link a link, and
    # an address with a space as written, so that the loader and the link check
    # can name the problem.
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    normalize = md.normalizeLink
    md.normalizeLink = (  # type: ignore[method-assign]
        lambda url: url if any(c.isspace() for c in url) else normalize(url)
    )
    md.enable("table")
    # One container rule for every box: the name is validated against icons.yml
    # by the loader, so that an unknown icon type gets a message, not a paragraph.
    container_plugin(md, "box", validate=lambda params, *args: bool(params.strip()))
    md.inline.ruler.before("link", "footnote_ref", _footnote_ref_rule)
    # `[text]{lang=en}`: attributes are read only after a bracketed span (not
    # after links or code, where a stray `{...}` stays text as it always was).
    attrs_plugin(md, spans=True, after=("span_close",))
    return md


_PARSER = make_parser()


def parse_attrs(text: str, loc: Loc) -> dict[str, str]:
    """Parse `#id .class key=value key="value with spaces"` into a dict."""
    attrs: dict[str, str] = {}
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _ATTR_TOKEN_RE.match(text, pos)
        if not m or m.end() == pos:
            raise SourceError(
                f"cannot read attributes '{{{text}}}' near '{text[pos:pos + 20]}' "
                '(expected #id, .class or key="value")',
                loc,
            )
        if m.group("id") is not None:
            if "id" in attrs:
                raise SourceError(f"two ids given ('{attrs['id']}' and '{m.group('id')}'): keep one", loc)
            attrs["id"] = validate_id(m.group("id"), loc)
        elif m.group("cls") is not None:
            attrs.setdefault("class", m.group("cls"))
        else:
            value = next(
                v for v in (m.group("dq"), m.group("sq"), m.group("bare")) if v is not None
            )
            if m.group("key") in attrs:
                raise SourceError(f"attribute '{m.group('key')}' given twice", loc)
            if m.group("key") == "id":
                value = validate_id(value, loc)
            attrs[m.group("key")] = value
        pos = m.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return attrs


def parse_box_params(params: str, loc: Loc) -> tuple[str, dict[str, str]]:
    """`tips {#id title="..."}` or Pandoc's `{.tips #id title="..."}` -> (name, attrs)."""
    params = params.strip()
    if params.startswith("{"):
        if not params.endswith("}"):
            raise SourceError(f"box attributes '{params}' are not closed with '}}'", loc)
        attrs = parse_attrs(params[1:-1], loc)
        name = attrs.pop("class", "")
        return name, attrs
    name, _, rest = params.partition(" ")
    rest = rest.strip()
    if not rest:
        return name, {}
    if not (rest.startswith("{") and rest.endswith("}")):
        raise SourceError(
            f"box '{name}': expected attributes in braces after the name, "
            f'like {{#id title="..."}}, found \'{rest}\'',
            loc,
        )
    return name, parse_attrs(rest[1:-1], loc)


def check_fences(lines: list[str], file: str, first_line: int) -> None:
    """Refuse unclosed or wrongly nested box fences before markdown-it sees them.

    markdown-it closes an unclosed container silently at the end of the
    document, and lets an inner `:::` close an outer one: both would move
    text into the wrong box without a word.
    """
    stack: list[tuple[int, int, str]] = []  # (fence length, line, name)
    in_code = False
    for offset, line in enumerate(lines):
        lineno = first_line + offset
        stripped = line.strip()
        if stripped.startswith("```") or stripped.startswith("~~~"):
            in_code = not in_code
            continue
        if in_code:
            continue
        m = _FENCE_RE.match(line)
        if not m:
            continue
        length, params = len(m.group(2)), m.group(3).strip()
        if params:
            if stack and stack[-1][0] == length:
                raise SourceError(
                    f"box opened inside the box of line {stack[-1][1]} with a fence as long as "
                    f"its own; give the outer box a longer fence ('{':' * (length + 1)}')",
                    Loc(file, lineno),
                )
            if stack and stack[-1][0] < length:
                raise SourceError(
                    f"box opened with '{m.group(2)}' inside the box of line {stack[-1][1]}, "
                    f"whose fence '{':' * stack[-1][0]}' is shorter; an outer box needs "
                    "the longer fence",
                    Loc(file, lineno),
                )
            stack.append((length, lineno, params.split(" ")[0]))
        else:
            if not stack:
                raise SourceError(
                    f"'{m.group(2)}' closes a box, but no box is open here", Loc(file, lineno)
                )
            open_len, open_line, _name = stack.pop()
            if open_len != length:
                raise SourceError(
                    f"box opened with '{':' * open_len}' on line {open_line} is closed with "
                    f"'{m.group(2)}'; use the same fence length",
                    Loc(file, lineno),
                )
    if stack:
        open_len, open_line, name = stack[-1]
        raise SourceError(
            f"box '{name}' is never closed (expected a line '{':' * open_len}')",
            Loc(file, open_line),
        )


@dataclass
class BlockContext:
    """What the conversion needs to know about where it is."""

    file: str
    first_line: int  # the file line of the Markdown body's first line
    id_prefix: str  # for generated ids of paragraphs, list items, cells
    is_known_box: Callable[[str], bool]
    known_boxes: str = ""


class _Converter:
    def __init__(
        self, tokens: list[Token], ctx: BlockContext, lines: list[str] | None = None
    ) -> None:
        self.tokens = tokens
        self.ctx = ctx
        self.lines = lines or []
        self.pos = 0
        self.counter = 0

    # ids for blocks that have none in the source: stable while the order of
    # blocks in the file stays the same (translations are keyed on them, with
    # their source text, so a reordering only makes messages fuzzy).
    def auto_id(self, kind: str) -> str:
        self.counter += 1
        return f"{self.ctx.id_prefix}.{kind}{self.counter}"

    def loc(self, token: Token) -> Loc:
        line = token.map[0] if token.map else 0
        return Loc(self.ctx.file, self.ctx.first_line + line)

    def blocks_until(self, close_type: str | None) -> list[Block]:
        out: list[Block] = []
        while self.pos < len(self.tokens):
            tok = self.tokens[self.pos]
            if close_type and tok.type == close_type:
                self.pos += 1
                return out
            block = self.block()
            if block is not None:
                out.append(block)
        if close_type:
            raise SourceError(f"unexpected end of text (expected {close_type})", Loc(self.ctx.file))
        return out

    def block(self) -> Block | None:
        tok = self.tokens[self.pos]
        t = tok.type
        loc = self.loc(tok)
        if t == "heading_open":
            inline = self.tokens[self.pos + 1]
            self.pos += 3
            level = int(tok.tag[1])
            children = self.inlines(inline, loc)
            hid = _take_heading_id(children, loc)
            if not any(not isinstance(c, Text) or c.text.strip() for c in children):
                raise SourceError(f"'{'#' * level}' heading has no text", loc)
            return Heading(level, children, hid or self.auto_id("h"), loc)
        if t == "paragraph_open":
            inline = self.tokens[self.pos + 1]
            self.pos += 3
            children = self.inlines(inline, loc)
            _refuse_footnote_definition(children, loc)
            return Paragraph(children, self.auto_id("p"), loc)
        if t in ("bullet_list_open", "ordered_list_open"):
            return self.list_block(tok, loc)
        if t == "table_open":
            return self.table(loc)
        if t == "container_box_open":
            return self.box(tok, loc)
        if t == "blockquote_open":
            self.pos += 1
            return BlockQuote(self.blocks_until("blockquote_close"), self.auto_id("q"), loc)
        if t == "html_block":
            raise SourceError(
                f"raw HTML is not allowed in the source: '{tok.content.strip()[:60]}' "
                "(write Markdown; presentation belongs in themes/)",
                loc,
            )
        if t in ("fence", "code_block"):
            raise SourceError(
                "code blocks are not part of the Compendium's source format "
                "(an indented line of 4+ spaces starts one: remove the indentation)",
                loc,
            )
        if t == "hr":
            raise SourceError(
                "thematic breaks ('---', '***') are not part of the source format", loc
            )
        raise SourceError(f"unsupported Markdown construct '{t}'", loc)

    def list_block(self, tok: Token, loc: Loc) -> ListBlock:
        ordered = tok.type == "ordered_list_open"
        close = "ordered_list_close" if ordered else "bullet_list_close"
        start = int(tok.attrGet("start") or 1) if ordered else 1
        self.pos += 1
        lst = ListBlock(ordered, [], self.auto_id("l"), loc, start)
        while self.tokens[self.pos].type != close:
            item_tok = self.tokens[self.pos]
            self.pos += 1
            item_id = self.auto_id("i")
            blocks = self.blocks_until("list_item_close")
            lst.items.append(ListItem(blocks, item_id, self.loc(item_tok)))
        self.pos += 1
        return lst

    def table(self, loc: Loc) -> Table:
        self.pos += 1
        header: list[Cell] = []
        rows: list[list[Cell]] = []
        current: list[Cell] | None = None
        in_head = False
        row_loc = loc
        header_loc = loc
        while True:
            tok = self.tokens[self.pos]
            self.pos += 1
            if tok.type == "table_close":
                break
            if tok.type == "thead_open":
                in_head = True
            elif tok.type == "thead_close":
                in_head = False
            elif tok.type == "tr_open":
                current = []
                row_loc = self.loc(tok) if tok.map else row_loc
            elif tok.type == "tr_close":
                assert current is not None
                if in_head:
                    header, header_loc = current, row_loc
                elif self._source_columns(header_loc) == len(header):
                    rows.append(self._as_written(current, row_loc))
                else:  # the source lines are not what markdown-it read: keep its row
                    rows.append(current)
            elif tok.type in ("th_open", "td_open"):
                inline = self.tokens[self.pos]
                self.pos += 2
                style = tok.attrGet("style") or ""
                align = style.removeprefix("text-align:") if style else ""
                assert current is not None
                current.append(
                    Cell(self.inlines(inline, row_loc), self.auto_id("c"), row_loc, align)
                )
        return Table("", [], header, rows, loc)

    def _source_cells(self, loc: Loc) -> list[str] | None:
        """The cells of the table row on the source line `loc`, split as markdown-it does."""
        index = loc.line - self.ctx.first_line
        if not 0 <= index < len(self.lines):
            return None
        text = _QUOTE_MARKERS.sub("", self.lines[index]).strip()
        columns = escapedSplit(text)
        if columns and columns[0] == "":
            columns.pop(0)
        if columns and columns[-1] == "":
            columns.pop()
        return columns

    def _source_columns(self, loc: Loc) -> int:
        cells = self._source_cells(loc)
        return -1 if cells is None else len(cells)

    def _as_written(self, row: list[Cell], loc: Loc) -> list[Cell]:
        """The row with as many cells as its source line has.

        markdown-it pads a short row with empty cells and drops the cells of a
        long one beyond the header's count; the model keeps the row as written
        so that the table check can report it.
        """
        columns = self._source_cells(loc)
        if columns is None:
            return row
        if len(columns) < len(row):
            return row[: len(columns)]
        for extra in columns[len(row):]:
            row.append(Cell(parse_inline(extra.strip(), loc), self.auto_id("c"), loc))
        return row

    def box(self, tok: Token, loc: Loc) -> Box:
        name, attrs = parse_box_params(tok.info, loc)
        if not self.ctx.is_known_box(name):
            raise SourceError(
                f"unknown icon type '{name}' (known: {self.ctx.known_boxes})", loc
            )
        self.pos += 1
        blocks = self.blocks_until("container_box_close")
        box_id = attrs.pop("id", "")
        if not box_id:
            raise SourceError(f"box '{name}' has no id: add {{#some-id}} after its name", loc)
        title = attrs.pop("title", "")
        number = attrs.pop("number", None)
        sector = attrs.pop("sector", None)
        if attrs:
            raise SourceError(
                f"box '{name}': unknown attribute(s) {', '.join(sorted(attrs))} "
                "(expected id, title, number, sector)",
                loc,
            )
        num: int | None = None
        if number is not None:
            if not re.fullmatch(r"[0-9]{1,4}", number):
                raise SourceError(
                    f"box '{box_id}': number must be a whole number, got '{number}'", loc
                )
            num = int(number)
        title_inlines = parse_inline(title, loc) if title else []
        return Box(name, box_id, title_inlines, blocks, loc, num, sector, f"{box_id}.title")

    def inlines(self, inline: Token, loc: Loc) -> list[Inline]:
        return convert_inline(inline.children or [], loc)


def _take_heading_id(children: list[Inline], loc: Loc) -> str:
    """Strip a trailing `{#id}` from a heading's text and return the id."""
    if not children or not isinstance(children[-1], Text):
        return ""
    last = children[-1]
    m = _HEADING_ATTR_RE.search(last.text)
    if not m:
        return ""
    attrs = parse_attrs(m.group(1), loc)
    last.text = last.text[: m.start()].rstrip()
    if re.search(r"\{#[^{}]*\}\s*\Z", last.text):
        raise SourceError("a heading with two ids: give one {#id}", loc)
    if not last.text:
        children.pop()
    extra = set(attrs) - {"id"}
    if extra:
        raise SourceError(f"heading attributes may only give an #id, found {sorted(extra)}", loc)
    return attrs.get("id", "")


def convert_inline(tokens: list[Token], loc: Loc) -> list[Inline]:
    """markdown-it inline tokens -> model inline nodes."""
    root: list[Inline] = []
    stack: list[list[Inline]] = [root]
    opened: list[Emph | Strong | Link | XRef | Span] = []
    first = loc
    for tok in tokens:
        t = tok.type
        out = stack[-1]
        if len(stack) > MAX_INLINE_DEPTH:
            raise SourceError(
                f"emphasis and links nested more than {MAX_INLINE_DEPTH} deep", loc
            )
        if t == "text":
            if _BROKEN_SPAN_RE.search(tok.content):
                raise SourceError(
                    f"cannot read the attributes of the span in '{tok.content.strip()[:60]}' "
                    "(expected [text]{lang=xx})",
                    loc,
                )
            if out and isinstance(out[-1], Text):
                out[-1].text += tok.content
            else:
                out.append(Text(tok.content))
        elif t in ("softbreak", "hardbreak"):
            out.append(SoftBreak())
            # what follows stands on the next line of the source
            if first.line:
                loc = Loc(loc.file, loc.line + 1)
        elif t == "code_inline":
            out.append(Code(tok.content))
        elif t in ("em_open", "strong_open"):
            node: Emph | Strong = Emph([]) if t == "em_open" else Strong([])
            out.append(node)
            opened.append(node)
            stack.append(node.children)
        elif t == "span_open":
            span = Span(_span_lang(tok, loc), [], loc)
            out.append(span)
            opened.append(span)
            stack.append(span.children)
        elif t in ("em_close", "strong_close", "link_close", "span_close"):
            stack.pop()
            opened.pop()
        elif t == "link_open":
            href = str(tok.attrGet("href") or "")
            scheme = href.split(":", 1)[0].strip().lower() if ":" in href else ""
            if scheme in REFUSED_SCHEMES:
                raise SourceError(
                    f"'{scheme}:' links are not allowed: '{href[:40]}' "
                    "(only http: and https: addresses)",
                    loc,
                )
            link: Link | XRef
            if href.startswith("#"):
                link = XRef(href[1:], [], loc)
            else:
                link = Link(href, [], loc, autolink=tok.markup == "autolink")
            out.append(link)
            opened.append(link)
            stack.append(link.children)
        elif t == "footnote_ref":
            out.append(FootnoteRef(tok.meta["label"], loc))
        elif t == "html_inline":
            raise SourceError(
                f"raw HTML is not allowed in the source: '{tok.content[:60]}'", loc
            )
        elif t == "image":
            raise SourceError(
                "images are not part of the Compendium's text; icons come from icons.yml", loc
            )
        else:
            raise SourceError(f"unsupported inline Markdown '{t}'", loc)
    return root


def _span_lang(tok: Token, loc: Loc) -> str:
    """The language of a `[text]{...}` span; any other attribute is refused."""
    attrs = {str(k): str(v) for k, v in tok.attrs.items()}
    attrs.update({str(k): str(v) for k, v in (tok.meta.get("insecure_attrs") or {}).items()})
    lang = attrs.pop("lang", "")
    if attrs:
        named = ", ".join(
            f"#{v}" if k == "id" else f".{v}" if k == "class" else k for k, v in sorted(attrs.items())
        )
        raise SourceError(
            f"a span may only carry a language, like [text]{{lang=en}}; found {named}", loc
        )
    if not lang:
        raise SourceError("a span needs its language: [text]{lang=en}", loc)
    if not LANG_TAG_RE.match(lang):
        raise SourceError(
            f"span language '{lang}' is not a language tag (expected like en, fr, zh-Hans)", loc
        )
    return lang


# Bounds on what one parse may be given. The parser's time grows with the
# number of inline markers (450,000 emphasis spans took 33 s): the largest
# source file has about 350 of them, the largest PO file about 500.
MAX_MARKERS = 10_000
MAX_INLINE_CHARS = 100_000  # one title, footnote, summary or translated message
_MARKER = re.compile(r"[*_`\[\]<>]")


def _bound(text: str, loc: Loc, what: str, limit_chars: int | None = None) -> None:
    if limit_chars is not None and len(text) > limit_chars:
        raise SourceError(f"{what} is {len(text):,} characters long; at most {limit_chars:,} are accepted", loc)
    markers = 0
    for match in _MARKER.finditer(text):
        markers += 1
        if markers > MAX_MARKERS:
            line = loc.line + text.count("\n", 0, match.start()) if loc.line else 0
            raise SourceError(f"{what} holds more than {MAX_MARKERS:,} Markdown markers (* _ ` [ ] < >); "
                              "split it or remove the markup", Loc(loc.file, line))


def parse_inline(text: str, loc: Loc) -> list[Inline]:
    """Parse one line of inline Markdown (a title, a footnote, a translation)."""
    _bound(text, loc, "this text", MAX_INLINE_CHARS)
    tokens = _PARSER.parseInline(text)
    return convert_inline(tokens[0].children or [] if tokens else [], loc)


def parse_blocks(text: str, ctx: BlockContext) -> list[Block]:
    """Parse a Markdown body into model blocks; table captions are attached here."""
    lines = text.split("\n")
    _bound(text, Loc(ctx.file, ctx.first_line), "the file")
    check_fences(lines, ctx.file, ctx.first_line)
    tokens = _PARSER.parse(text)
    for tok in tokens:
        if tok.level > MAX_BLOCK_DEPTH:
            line = ctx.first_line + (tok.map[0] if tok.map else 0)
            raise SourceError(
                f"lists, quotes and boxes nested more than {MAX_BLOCK_DEPTH} levels deep",
                Loc(ctx.file, line),
            )
    blocks = _Converter(tokens, ctx, lines).blocks_until(None)
    _attach_captions(blocks)
    return blocks


_CAPTION_RE = re.compile(r"^Table:\s*")
# A table in a block quote: its lines start with '>' markers.
_QUOTE_MARKERS = re.compile(r"^\s*(?:>\s?)+")


def _refuse_footnote_definition(children: list[Inline], loc: Loc) -> None:
    """`[^x]: text` at the start of a line outside footnotes.md.

    Without this, it would read as a reference to footnote x followed by
    ': text', and the message would be "referenced but not defined".
    """
    line = loc.line
    at_line_start = True
    for i, node in enumerate(children):
        if isinstance(node, SoftBreak):
            at_line_start = True
            line += 1
            continue
        if (at_line_start and isinstance(node, FootnoteRef) and i + 1 < len(children)
                and isinstance(children[i + 1], Text)
                and children[i + 1].text.startswith(":")):  # type: ignore[union-attr]
            raise SourceError(
                f"footnote definitions belong in footnotes.md, not here: '[^{node.label}]:' "
                f"(cite it as [^{node.label}] and define it in footnotes.md)",
                Loc(loc.file, line),
            )
        at_line_start = False


def _attach_captions(blocks: list[Block]) -> None:
    """`Table: Title {#tbl-id}` directly before a table (notes between allowed) is its caption."""
    i = 0
    while i < len(blocks):
        block = blocks[i]
        if isinstance(block, Box | BlockQuote):
            _attach_captions(block.blocks)
        elif isinstance(block, ListBlock):
            for item in block.items:
                _attach_captions(item.blocks)
        if isinstance(block, Paragraph) and _is_caption(block):
            # the caption's table is the next table, with at most one note paragraph between
            j = i + 1
            while j < len(blocks) and j <= i + 2 and isinstance(blocks[j], Paragraph):
                j += 1
            if j < len(blocks) and isinstance(blocks[j], Table) and not blocks[j].id:
                table = blocks[j]
                assert isinstance(table, Table)
                first = block.children[0]
                assert isinstance(first, Text)
                first.text = _CAPTION_RE.sub("", first.text)
                tid = _take_heading_id(block.children, block.loc)
                if not tid:
                    raise SourceError(
                        "a table caption needs an id: 'Table: Title {#tbl-...}'", block.loc
                    )
                table.id = tid
                table.caption = block.children
                del blocks[i]
                continue
            raise SourceError("'Table:' caption is not followed by a table", block.loc)
        if isinstance(block, Table) and not block.id:
            raise SourceError(
                "table without a caption: put 'Table: Title {#tbl-id}' on the line before it",
                block.loc,
            )
        i += 1


def _is_caption(p: Paragraph) -> bool:
    return bool(p.children) and isinstance(p.children[0], Text) and bool(
        _CAPTION_RE.match(p.children[0].text)
    )
