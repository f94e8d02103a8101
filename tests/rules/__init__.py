"""Tests of bot/rules/: the rules, without Telegram or a database."""
