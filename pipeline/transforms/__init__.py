"""Transforms change the model between load and render: numbering, resolving
cross-references, translating, selecting a sector."""
