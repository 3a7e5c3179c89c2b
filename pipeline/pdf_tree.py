"""Reading a tagged PDF's structure tree with pikepdf: what the renderer that
repairs it (render/pdf_tags.py) and the accessibility check that reads it
(a11y/pdf_structure.py) both need, kept once beneath them."""

from __future__ import annotations

from typing import Any


def parent_tree(struct_tree_root: Any) -> dict[int, Any]:
    """The StructTreeRoot's /ParentTree as key -> value: a page's StructParents key
    to the array of its marked contents' elements (by MCID), or an annotation's
    key to its element. The number tree's /Kids are followed to every /Nums."""
    out: dict[int, Any] = {}

    def collect(node: Any) -> None:
        nums = node.get("/Nums")
        if nums is not None:
            for i in range(0, len(nums) - 1, 2):
                out[int(nums[i])] = nums[i + 1]
        for kid in node.get("/Kids", []):
            collect(kid)

    tree = struct_tree_root.get("/ParentTree")
    if tree is not None:
        collect(tree)
    return out
