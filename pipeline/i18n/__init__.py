"""Translation: extract (POT), init/update (PO files), status, and apply (a
translated edition is the same model with its text replaced)."""
