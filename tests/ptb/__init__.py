"""Tests of bot/ptb/: the python-telegram-bot plumbing."""
