"""Inline nodes <-> the normalised Markdown a translator sees in a PO file.

A message keeps its emphasis, links, cross-references and footnote
references where they are, written one canonical way (`*em*`, `**strong**`,
`[text](https://...)`, `<https://...>`, `[](#id)`, `[^xii]`, `[text]{lang=en}`), so that two
spellings of the same Markdown give the same message, and the translation
can be parsed back into the same kinds of nodes.
"""

from __future__ import annotations

import re

from ..model import Code, Emph, FootnoteRef, Inline, Link, SoftBreak, Span, Strong, Text, XRef

# Characters that would start Markdown syntax if left bare in text.
_ESCAPE = re.compile(r"([\\`*_\[\]<])")


def _escape(text: str) -> str:
    return _ESCAPE.sub(r"\\\1", text)


def to_markdown(nodes: list[Inline]) -> str:
    out: list[str] = []
    for node in nodes:
        if isinstance(node, Text):
            out.append(_escape(node.text))
        elif isinstance(node, SoftBreak):
            out.append(" ")
        elif isinstance(node, Emph):
            out.append(f"*{to_markdown(node.children)}*")
        elif isinstance(node, Strong):
            out.append(f"**{to_markdown(node.children)}**")
        elif isinstance(node, Code):
            fence = "`" * (max((len(run) for run in re.findall(r"`+", node.text)), default=0) + 1)
            body = node.text
            # CommonMark strips one space from each end when both ends have one,
            # and a body that starts or ends with a backtick needs a space too.
            if body.startswith((" ", "`")) or body.endswith((" ", "`")):
                body = f" {body} "
            out.append(f"{fence}{body}{fence}")
        elif isinstance(node, Link):
            if node.autolink:
                out.append(f"<{node.href}>")
            else:
                out.append(f"[{to_markdown(node.children)}]({node.href})")
        elif isinstance(node, XRef):
            out.append(f"[{to_markdown(node.children)}](#{node.target})")
        elif isinstance(node, FootnoteRef):
            out.append(f"[^{node.label}]")
        elif isinstance(node, Span):
            out.append(f"[{to_markdown(node.children)}]{{lang={node.lang}}}")
    return "".join(out).replace("\n", " ")


def placeholders(nodes: list[Inline]) -> dict[str, list[str]]:
    """What a translation must keep: footnotes, link targets, cross-references, emphasis.

    Language spans are not among them: a translator may mark a title kept in
    English (`[Global Report]{lang=en}`) where the source has plain text.
    """
    found: dict[str, list[str]] = {"footnotes": [], "links": [], "xrefs": [], "emphasis": []}

    def walk(items: list[Inline]) -> None:
        for node in items:
            if isinstance(node, FootnoteRef):
                found["footnotes"].append(node.label)
            elif isinstance(node, Link):
                found["links"].append(node.href)
                walk(node.children)
            elif isinstance(node, XRef):
                found["xrefs"].append(node.target)
                walk(node.children)
            elif isinstance(node, Emph):
                found["emphasis"].append("*")
                walk(node.children)
            elif isinstance(node, Strong):
                found["emphasis"].append("**")
                walk(node.children)
            elif isinstance(node, Span):
                walk(node.children)

    walk(nodes)
    return {key: sorted(values) for key, values in found.items()}
