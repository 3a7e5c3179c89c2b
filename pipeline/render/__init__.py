"""Renderers: the model as HTML (shared), PDF, EPUB and factsheets."""
