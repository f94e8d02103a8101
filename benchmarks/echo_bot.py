"""The baseline bot of the process benchmarks: python-telegram-bot's echo bot, as in its examples.

It answers every text message (commands included) with the same text and handles updates one after
another, as PTB does by default. Like `kpr-bot run` it reads BOT_TOKEN and BOT_API_URL (which ends
in /bot, as PTB's base_url does).

    BOT_TOKEN=... BOT_API_URL=http://127.0.0.1:8081/bot python benchmarks/echo_bot.py
"""
import os

from telegram import Update
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.message.reply_text(update.message.text)


def main() -> None:
    app = ApplicationBuilder().token(os.environ["BOT_TOKEN"]).base_url(os.environ["BOT_API_URL"]).build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.run_polling(poll_interval=0)


if __name__ == "__main__":
    main()
