"""Campaigns from the configuration: their days, and freezing their figures when they end."""
