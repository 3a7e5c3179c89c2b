"""Accessibility checks on the built editions (`compendium a11y`).

What a machine can check, on the artifacts themselves: DAISY Ace on each
EPUB (`ace`), the tagged structure of each screen PDF read with pikepdf
(`pdf_structure`), and the contrast of every coloured text against what it
is drawn on (`contrast`). Each check yields `Finding`s; the command prints a
table per edition and exits 1 if there is any.

EPUBCheck (`epubcheck`), the reference validator, lives here too: it is
run by `compendium validate`, with Ace.
"""
