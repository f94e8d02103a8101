"""Try-out tooling: `kpr-bot try` (session), its terminal console and demo data, the catalog
command for translators, and the fake Telegram of the end-to-end tests. `kpr-bot run` never
imports this package (tests/test_architecture.py)."""
