"""The Compendium publishing pipeline: source/ -> load -> model -> checks/transforms -> renderers."""

__version__ = "0.1.0"
