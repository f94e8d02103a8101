"""A real browser for the console's tests: Debian's chromium, headless, through its chromedriver (apt
packages; .ci/run installs them), one per test module, driven from a thread so that a console on the
test's event loop can answer."""
from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
QUESTION = "Bis wann muss ich den Antrag stellen?"
OLD_ANSWER = "bis zum 31. Oktober des Vorjahres"
NEW_ANSWER = "Anträge bitte bis zum 15. September stellen."


@pytest.fixture(scope="module")
def driver() -> Iterator[Any]:
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        reason = "no chromium and chromedriver from apt (.ci/run installs them)"
        # .ci/run sets it: there a missing browser fails the tests rather than skipping them.
        if os.environ.get("KPR_REQUIRE_BROWSER") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--window-size=1200,900", "--lang=de"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    chrome = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    yield chrome
    chrome.quit()


class Browser:
    """The driver's blocking calls in a thread, so that the console on this event loop can answer."""

    def __init__(self, driver: Any, base: str) -> None:
        self.driver, self.base = driver, base

    async def _do(self, work: Any, *args: Any) -> Any:
        return await asyncio.to_thread(work, *args)

    async def open(self, url: str) -> None:
        await self._do(self.driver.get, url if url.startswith("http") else self.base + url)

    async def click(self, css: str) -> None:
        """Presses a button or link that loads a page, and waits until the new page has loaded: the
        old page's window carries a mark that a new page does not have."""
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.wait import WebDriverWait

        def click() -> None:
            self.driver.execute_script("window.kprOldPage = true")
            self.driver.find_element(By.CSS_SELECTOR, css).click()
            WebDriverWait(self.driver, 10).until(lambda driver: driver.execute_script(
                "return window.kprOldPage === undefined && document.readyState === 'complete'"))

        await self._do(click)

    async def fill(self, field_id: str, text: str) -> None:
        from selenium.webdriver.common.by import By

        def fill() -> None:
            element = self.driver.find_element(By.ID, field_id)
            element.clear()
            element.send_keys(text)

        await self._do(fill)

    async def text(self) -> str:
        from selenium.webdriver.common.by import By

        return await self._do(lambda: self.driver.find_element(By.TAG_NAME, "body").text)

    async def script(self, code: str) -> Any:
        return await self._do(self.driver.execute_script, code)

    @property
    def path(self) -> str:
        return self.driver.current_url.removeprefix(self.base)

    def refused(self, status: int) -> None:
        """The page just shown was refused on purpose: the browser logs that status as an error,
        and nothing else may be in its console."""
        entries = [e for e in self.driver.get_log("browser") if e["level"] == "SEVERE"]
        assert entries and all(e["source"] == "network" and f"status of {status}" in e["message"]
                               for e in entries), entries

    def console_errors(self) -> list[dict]:
        return [entry for entry in self.driver.get_log("browser") if entry["level"] == "SEVERE"]


