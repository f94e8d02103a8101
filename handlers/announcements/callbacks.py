"""The buttons of the announcements after writing, shared by its modules: one announcement's card
(/broadcasts) and what it offers, and /news."""
from __future__ import annotations

from bot.ptb.callbacks import ROW_ID, Callback

DETAILS = Callback("bcd", broadcast=ROW_ID)
CANCEL = Callback("bcx", broadcast=ROW_ID, confirmed="0|1")
REMIND = Callback("bcr", broadcast=ROW_ID, confirmed="0|1")
# A scheduled one: a new text, or sent at once.
EDIT = Callback("bce", broadcast=ROW_ID)
EDIT_BACK = Callback("bceb", broadcast=ROW_ID)
SEND_NOW = Callback("bcn", broadcast=ROW_ID, confirmed="0|1")
# /news: switched on or off, the last announcements, one of them read again, back to the start.
NEWS = Callback("news", wanted="on|off")
NEWS_PAST = Callback("newsp", view="list|start")
NEWS_READ = Callback("newsr", broadcast=ROW_ID)
