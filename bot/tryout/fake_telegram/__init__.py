"""A fake Telegram Bot API for end-to-end tests, benchmarks and trying the bot without Telegram."""
from bot.tryout.fake_telegram.process import BotProcess
from bot.tryout.fake_telegram.server import Call, FakeTelegram
from bot.tryout.fake_telegram.users import Answer, BotMessage, Button, ChatEvent, FakeGroup, FakeUser

__all__ = ["Answer", "BotMessage", "BotProcess", "Button", "Call", "ChatEvent", "FakeGroup", "FakeTelegram", "FakeUser"]
