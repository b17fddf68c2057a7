"""Channel adapters: they translate between a messenger and the core, nothing more."""
