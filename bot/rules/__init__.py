"""Rules free of Telegram and SQL: plain functions and values, tested without Telegram."""
