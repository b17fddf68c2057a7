"""Exports: visits, teams and learning progress as XLSX and CSV, by /export and the CLI."""

from bot.core.exports.form import register

__all__ = ["register"]
