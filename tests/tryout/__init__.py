"""Tests of bot/tryout/: `kpr-bot try`, its console and the fake Telegram."""
