"""Plain-SQL storage on SQLite: one module per aggregate, migrations applied at start."""
