"""The channel-neutral core: it owns the product and never imports a channel library."""
