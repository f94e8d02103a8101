"""kpr-bot: the Telegram bot of the Kommunaler Präventionsrat of the Landkreis Rostock."""
import os

# Opt in now to python-telegram-bot's coming behaviour: durations such as RetryAfter.retry_after
# are timedeltas. Must be set before `telegram` is imported, which this package does first.
os.environ.setdefault("PTB_TIMEDELTA", "1")
