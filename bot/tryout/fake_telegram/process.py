"""Runs the bot (or any command) as its own process, with its output in a log file."""
from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path


class BotProcess:
    def __init__(self, env: dict[str, str], *, cwd: Path, log_dir: Path,
                 command: list[str] | None = None) -> None:
        self.command = command or [sys.executable, "-m", "bot", "run"]
        self.env = {**os.environ, **env}
        # The bot's code is imported from this checkout, wherever the process runs.
        root = str(Path(__file__).resolve().parents[3])
        self.env["PYTHONPATH"] = os.pathsep.join(p for p in (root, self.env.get("PYTHONPATH")) if p)
        self.cwd = cwd
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = log_dir / f"bot-{id(self)}.log"
        self._process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self.cwd.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self._process = await asyncio.create_subprocess_exec(
                *self.command, cwd=self.cwd, env=self.env, stdout=log, stderr=asyncio.subprocess.STDOUT,
                stdin=asyncio.subprocess.DEVNULL)

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    @property
    def returncode(self) -> int | None:
        return self._process.returncode if self._process else None

    def kill(self) -> None:
        """SIGKILL: no chance to tidy up, as in a crash or a power cut."""
        if self._process is not None and self._process.returncode is None:
            self._process.kill()

    async def wait(self, timeout: float = 10) -> int:
        assert self._process is not None
        return await asyncio.wait_for(self._process.wait(), timeout)

    async def stop(self, timeout: float = 10) -> int:
        """SIGTERM, then SIGKILL if the process has not ended within `timeout` seconds."""
        assert self._process is not None
        if self._process.returncode is None:
            self._process.send_signal(signal.SIGTERM)
            try:
                return await asyncio.wait_for(self._process.wait(), timeout)
            except TimeoutError:
                self._process.kill()
        return await self._process.wait()

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    async def __aenter__(self) -> BotProcess:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._process is not None and self._process.returncode is None:
            self._process.kill()
            await self._process.wait()
