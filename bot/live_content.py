"""The content the bot speaks from (funding rules, FAQ, contact, privacy): the newest version, which the
web console replaces without a restart; and, at start, which version that is."""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from pathlib import Path

from bot.content import DEFAULT_FILE, Content, ContentError, parse
from bot.rules.faq import Faq
from storage.console import versions as content_versions
from storage.db import Database

log = logging.getLogger(__name__)


class LiveContent:
    """Replaced as a whole, so a handler that read `content` once sees one version throughout."""

    def __init__(self, content: Content) -> None:
        self.replace(content)

    def replace(self, content: Content) -> None:
        self.content, self.faq = content, Faq(content)


async def newest(db: Database, path: Path | None, from_file: Content) -> Content:
    """What the bot says at start: the content file as it is now when it changed since it was last
    recorded (then it becomes the newest version, so an edited file still takes effect at a restart),
    else the newest version, which may have been saved in the web console. The shipped or configured
    file is the first version."""
    path = path or DEFAULT_FILE
    text = path.read_text(encoding="utf-8")
    now = datetime.now(timezone.utc)
    async with db.begin() as session:
        last_file = await content_versions.newest(session, content_versions.FILE)
        if last_file is None or last_file.text != text:
            await content_versions.add(session, text, origin=content_versions.FILE, now=now, note=str(path))
            return from_file
        version = await content_versions.newest(session)
    if version is None or version.origin == content_versions.FILE:
        return from_file
    try:
        return parse(version.text, f"content version {version.id}")
    except ContentError as error:
        # Saved under an older release whose rules this one tightened: the file still works.
        log.warning("%s; speaking from %s instead", error, path)
        return from_file
