"""Deployment files: the Dockerfile, compose.yaml and the systemd unit agree with the code.

No Docker engine is needed: the files are parsed, the commands they run are parsed with the CLI's
own parser, the database path the settings resolve to must be writable where each of them puts
it, and the image's source (what the Dockerfile copies, less what .dockerignore leaves out) is
built into a wheel that must carry every file of the packages the bot reads at run time.
"""
from __future__ import annotations

import argparse
import json
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pytest
from sqlalchemy.engine import make_url

from bot.cli import _parser
from bot.settings import DatabaseSettings, Settings, load_database_settings

ROOT = Path(__file__).resolve().parents[1]
# Every connection to the webhook is an open file: the process must be allowed many more than the
# most WEBHOOK_MAX_CONNECTIONS may be set to, for the database, Telegram and the rest.
MOST_WEBHOOK_CONNECTIONS = next(m.le for m in Settings.model_fields["webhook_max_connections"].metadata
                                if hasattr(m, "le"))
DEFAULT_DATABASE_URL = DatabaseSettings.model_fields["database_url"].default
SECRETS = ("BOT_TOKEN", "WEBHOOK_SECRET", "POSTGRES_PASSWORD")


def _command(argv: list[str]) -> argparse.Namespace:
    """`argv` as the kpr-bot CLI parses it; a test failure (not an exit) when it does not."""
    assert argv and PurePosixPath(argv[0]).name == "kpr-bot", f"{argv} does not run kpr-bot"
    try:
        return _parser().parse_args(argv[1:])
    except SystemExit:
        pytest.fail(f"{shlex.join(argv)} is not a valid kpr-bot command")


def _database_file(url: str, working_directory: str) -> PurePosixPath:
    """Where a sqlite+aiosqlite URL puts the database file, seen from the working directory."""
    path = PurePosixPath(make_url(url).database or "")
    return path if path.is_absolute() else PurePosixPath(working_directory) / path


def _within(path: PurePosixPath, folder: str) -> bool:
    return path == PurePosixPath(folder) or PurePosixPath(folder) in path.parents


# --- Dockerfile -------------------------------------------------------------------------------------

@dataclass
class Instruction:
    keyword: str
    args: str


def _dockerfile() -> list[list[Instruction]]:
    """The Dockerfile's build stages, each a list of instructions (continuations joined, comments
    and the global ARGs' defaults substituted into FROM)."""
    instructions: list[Instruction] = []
    pending = ""
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if line.strip().startswith("#") or (not line.strip() and not pending):
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        keyword, _, args = (pending + line).strip().partition(" ")
        instructions.append(Instruction(keyword.upper(), args.strip()))
        pending = ""
    global_args = {}
    stages: list[list[Instruction]] = []
    for instruction in instructions:
        if instruction.keyword == "ARG" and not stages:
            name, _, default = instruction.args.partition("=")
            global_args[name] = default
        elif instruction.keyword == "FROM":
            image = re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: global_args.get(m[1] or m[2], ""), instruction.args)
            stages.append([Instruction("FROM", image)])
        else:
            assert stages, f"{instruction.keyword} before the first FROM"
            stages[-1].append(instruction)
    return stages


def _all(stage: list[Instruction], keyword: str) -> list[str]:
    return [i.args for i in stage if i.keyword == keyword]


def _env(stage: list[Instruction]) -> dict[str, str]:
    values: dict[str, str] = {}
    for args in _all(stage, "ENV"):
        for pair in shlex.split(args):
            name, _, value = pair.partition("=")
            values[name] = value
    return values


def _exec_form(args: str) -> list[str]:
    """A CMD's or HEALTHCHECK's command in exec form, the JSON list Docker runs without a shell."""
    argv = json.loads(args)
    assert isinstance(argv, list) and all(isinstance(a, str) for a in argv), f"not exec form: {args}"
    return argv


def test_dockerfile_runs_the_bot_unprivileged_with_its_data_in_a_volume() -> None:
    stages = _dockerfile()
    required = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    minimum = tuple(int(n) for n in re.fullmatch(r">=(\d+)\.(\d+)", required).groups())  # type: ignore[union-attr]
    for stage in stages:
        image = stage[0].args.split()[0]
        match = re.fullmatch(r"python:(\d+)\.(\d+)(?:\.\d+)?-slim(?:-\w+)?", image)
        assert match, f"FROM {image}: the image builds on python:3.x-slim"
        assert tuple(map(int, match.groups())) >= minimum, f"FROM {image}: pyproject requires Python {required}"
    final = stages[-1]

    # The bot runs as the user created for it, not as root.
    users = _all(final, "USER")
    assert users, "the final stage sets no USER, so the bot would run as root"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0")
    assert any(re.search(rf"\b(useradd|adduser)\b[^;&]*\s{re.escape(user)}\b", run) for run in _all(final, "RUN")), \
        f"the user {user} is not created in the final stage"

    # Where the settings put the SQLite database (and its lock file, next to it) is a volume
    # that the user owns: Docker fills a new named volume with the image's folder and its owner.
    env = _env(final)
    workdir = _all(final, "WORKDIR")[-1]
    database = _database_file(env.get("DATABASE_URL", DEFAULT_DATABASE_URL), workdir)
    volumes = [v for args in _all(final, "VOLUME")
               for v in (_exec_form(args) if args.startswith("[") else args.split())]
    folders = [v for v in volumes if _within(database, v)]
    assert folders, f"the database {database} is in none of the volumes {volumes}"
    assert any(re.search(rf"\bchown\b[^;&]*\b{re.escape(user)}\b[^;&]*\s{re.escape(folders[0])}\b", run)
               for run in _all(final, "RUN")), f"{folders[0]} is not given to {user}, who must write there"

    assert env.get("PYTHONUNBUFFERED") == "1", "log lines must reach `docker logs` at once"
    assert _all(final, "STOPSIGNAL") in ([], ["SIGTERM"]), "the bot stops cleanly on SIGTERM"

    # The commands are ones the CLI knows, and `kpr-bot` is on the PATH they run with.
    run = _command(_exec_form(_all(final, "CMD")[-1]))
    assert run.command == "run"
    healthcheck = _all(final, "HEALTHCHECK")[-1]
    options, _, command = healthcheck.partition("CMD ")
    assert command, f"HEALTHCHECK {healthcheck} runs no command"
    assert _command(_exec_form(command)).command == "health"
    timeout = re.search(r"--timeout=(\d+)s", options)
    assert timeout and int(timeout[1]) >= 6, "the health check gives up on the database after 5 s by itself"
    copied = [args.split()[-1] for args in _all(final, "COPY") if args.startswith("--from=")]
    installed_here = any("pip install" in args for args in _all(final, "RUN"))
    assert installed_here or any(f"{folder.rstrip('/')}/bin" in env.get("PATH", "").split(":") for folder in copied), \
        "kpr-bot is neither installed in the final stage nor on its PATH"


# --- the image's source ------------------------------------------------------------------------------

def _dockerignore() -> list[re.Pattern[str]]:
    """.dockerignore's patterns (Docker's syntax: relative to the context, `*` within one path
    segment, `**` across segments; a folder's pattern covers what is in it)."""
    patterns = []
    for line in (ROOT / ".dockerignore").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        assert not line.startswith("!"), "exceptions are not understood by this test"
        regex = ""
        for part in re.split(r"(\*\*/|\*\*|\*|\?)", line.strip("/")):
            regex += {"**/": "(?:.*/)?", "**": ".*", "*": "[^/]*", "?": "[^/]"}.get(part, re.escape(part))
        patterns.append(re.compile(regex + "(?:/.*)?"))
    return patterns


def _ignored(path: str, patterns: list[re.Pattern[str]]) -> bool:
    return any(p.fullmatch(path) for p in patterns)


def _package_files(top: Path) -> list[str]:
    return sorted(str(p.relative_to(ROOT).as_posix()) for p in top.rglob("*")
                  if p.is_file() and "__pycache__" not in p.parts and p.suffix not in (".pyc", ".mo")
                  and not any(part.startswith(".") for part in p.relative_to(ROOT).parts))


@pytest.mark.e2e
def test_the_image_source_builds_a_wheel_with_everything_the_bot_reads(tmp_path: Path) -> None:
    ignore = _dockerignore()
    for secret_or_state in (".env", "data/kpr-bot.db", "data/kpr-bot.db.lock", ".venv/bin/python", ".git/HEAD"):
        assert _ignored(secret_or_state, ignore), f".dockerignore lets {secret_or_state} into the image"

    # What the build stages copy from the context, as Docker sends it.
    stages = _dockerfile()
    sources = [source for stage in stages for args in _all(stage, "COPY") if not args.startswith("--from=")
               for source in shlex.split(args)[:-1]]
    context = tmp_path / "context"
    context.mkdir()
    for source in sources:
        assert (ROOT / source).exists() and not _ignored(source, ignore), f"COPY {source}: not in the build context"
        if (ROOT / source).is_dir():
            shutil.copytree(ROOT / source, context / source, ignore=lambda folder, names: [
                n for n in names if n == "__pycache__" or n.startswith(".")
                or _ignored((Path(folder) / n).relative_to(ROOT).as_posix(), ignore)])
        else:
            shutil.copy2(ROOT / source, context / source)

    # Every file of every package pyproject.toml names must be in the wheel built from that.
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    includes = pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    packages = [p for p in sorted(ROOT.iterdir()) if (p / "__init__.py").exists()
                and any(re.fullmatch(pattern.replace("*", ".*"), p.name) for pattern in includes)]
    assert {"bot", "handlers", "storage", "locales", "content"} <= {p.name for p in packages}
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir",
                            str(tmp_path / "wheel"), str(context)], capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, f"pip wheel failed:\n{built.stdout}\n{built.stderr}"
    (wheel,) = (tmp_path / "wheel").glob("kpr_bot-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        entry_points = next(archive.read(n).decode() for n in names if n.endswith(".dist-info/entry_points.txt"))
    expected = [f for package in packages for f in _package_files(package)]
    missing = [f for f in expected if f not in names]
    assert not missing, f"the image would lack {missing}: COPY them, or add them to package-data in pyproject.toml"
    assert re.search(r"^kpr-bot = bot\.cli:main$", entry_points, re.M)
    # What the bot reads besides code, named once more so that a pattern change cannot lose it.
    for data in ("locales/de/LC_MESSAGES/messages.po", "locales/en/LC_MESSAGES/messages.po", "content/kpr.toml",
                 "storage/migrations/env.py", "storage/migrations/script.py.mako"):
        assert data in names
    migrations = {p.name for p in (ROOT / "storage/migrations/versions").glob("[0-9]*.py")}
    assert migrations and {n.rsplit("/", 1)[-1] for n in names if n.startswith("storage/migrations/versions/")} >= migrations


# --- compose.yaml ------------------------------------------------------------------------------------

def _block(lines: list[str], key: str, indent: int) -> list[str]:
    """The lines below `key:` at `indent` spaces that are indented further (comments dropped)."""
    start = next((i for i, line in enumerate(lines) if line.rstrip() == " " * indent + key + ":"), None)
    assert start is not None, f"no {key}: at indentation {indent}"
    block = []
    for line in lines[start + 1:]:
        if line.strip() and len(line) - len(line.lstrip()) <= indent:
            break
        block.append(line)
    return block


def _value(block: list[str], key: str) -> str:
    """`key: value` anywhere in `block`, the value unquoted."""
    values = [m[1].strip().strip("\"'") for line in block if (m := re.fullmatch(rf"\s*{key}:\s*(.+)", line))]
    assert len(values) == 1, f"{key}: given {len(values)} times"
    return values[0]


def _seconds(duration: str) -> float:
    match = re.fullmatch(r"(\d+)(s|m|min)?", duration.strip())
    assert match, f"not a duration in seconds or minutes: {duration}"
    return int(match[1]) * (60 if match[2] in ("m", "min") else 1)


def test_compose_runs_the_bot_on_postgresql_with_secrets_outside() -> None:
    text = (ROOT / "compose.yaml").read_text()
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    services = _block(lines, "services", 0)
    db, bot = _block(services, "db", 2), _block(services, "bot", 2)
    try:
        import yaml
    except ImportError:  # the text checks below stand on their own
        pass
    else:
        assert set(yaml.safe_load(text)["services"]) == {"db", "bot"}

    # The database: PostgreSQL, its data in a named volume, healthy only when it accepts connections.
    assert _value(db, "image").startswith("postgres:")
    (volume,) = [line.strip().removeprefix("- ").split(":") for line in _block(db, "volumes", 4) if line.strip()]
    assert volume[1] == "/var/lib/postgresql/data", "PostgreSQL's data must outlive the container"
    assert f"  {volume[0]}:" in _block(lines, "volumes", 0), f"{volume[0]} is not a named volume"
    assert "pg_isready" in _value(db, "test")

    # The bot: built here, started once the database is healthy, given time to stop.
    assert _value(bot, "build") == "."
    assert _value(bot, "env_file") == ".env"
    assert _value(bot, "restart") in ("unless-stopped", "on-failure")
    assert _value(_block(bot, "depends_on", 4), "condition") == "service_healthy"
    assert _seconds(_value(bot, "stop_grace_period")) > 10, "the bot may take 10 s to stop after SIGTERM"
    assert int(_value(_block(bot, "ulimits", 4), "nofile")) >= 2 * MOST_WEBHOOK_CONNECTIONS
    health = _exec_form(_value(bot, "test"))
    assert health[0] == "CMD" and _command(health[1:]).command == "health"

    # DATABASE_URL reaches the db service with its user, database and the same password variable,
    # and the bot's own settings accept it.
    url = _value(bot, "DATABASE_URL")
    password = re.fullmatch(r"postgresql\+asyncpg://[^:]+:(\$\{[^}]+\})@.*", url)
    assert password, f"DATABASE_URL {url}: postgresql+asyncpg:// with the password from a variable"
    assert _value(db, "POSTGRES_PASSWORD") == password[1]
    parsed = make_url(load_database_settings(database_url=url.replace(password[1], "s3cret")).database_url)
    assert parsed.host == "db" and parsed.port in (None, 5432)
    assert parsed.username == _value(db, "POSTGRES_USER") and parsed.database == _value(db, "POSTGRES_DB")

    # No secret is written into the file itself.
    for line in lines:
        for secret in SECRETS:
            if match := re.fullmatch(rf"\s*-?\s*{secret}\s*[:=]\s*(.*)", line):
                assert re.fullmatch(r"[\"']?\$\{\w+(:?\?[^}]*)?\}[\"']?", match[1].strip()), \
                    f"{secret} is written into compose.yaml; it belongs in .env"

    # Every command it names, also the commented webhook variant, is one the CLI knows.
    commands = [_command(_exec_form(m[1])) for m in re.finditer(r"^\s*#?\s*command:\s*(\[.*\])\s*$", text, re.M)]
    assert any(c.command == "run" and c.webhook for c in commands), "the webhook variant is missing"


# --- systemd unit -------------------------------------------------------------------------------------

def _unit() -> tuple[dict[str, list[str]], list[tuple[str, str]]]:
    """The [Service] section's settings (a list per key, as systemd allows repeats), and the
    settings commented out as alternatives (`#Key=value`)."""
    service: dict[str, list[str]] = {}
    alternatives = []
    section = ""
    for line in (ROOT / "docs/kpr-bot.service").read_text().splitlines():
        line = line.strip()
        if re.fullmatch(r"\[\w+\]", line):
            section = line
        elif match := re.fullmatch(r"#(\w+)=(.*)", line):
            alternatives.append((match[1], match[2]))
        elif section == "[Service]" and line and not line.startswith(("#", ";")):
            key, _, value = line.partition("=")
            service.setdefault(key.strip(), []).append(value.strip())
    return service, alternatives


def _exec_start(value: str) -> list[str]:
    return shlex.split(value.lstrip("@-:+!"))


def test_systemd_unit_runs_the_bot_sandboxed_with_a_writable_database() -> None:
    from bot.cli import EXIT_ALREADY_RUNNING
    from bot.runner import EXIT_CONFLICT

    service, alternatives = _unit()
    assert service["User"][-1] not in ("root", "0")
    assert "EnvironmentFile" in service, "the token belongs in an environment file, not in the unit"
    assert not any(secret in value for value in service.get("Environment", []) for secret in SECRETS)

    (start,) = service["ExecStart"]
    run = _command(_exec_start(start))
    assert run.command == "run" and not run.webhook
    webhook = [_command(_exec_start(value)) for key, value in alternatives if key == "ExecStart"]
    assert webhook and webhook[0].command == "run" and webhook[0].webhook

    # Restarted after a crash, but not when a restart cannot help: a wrong setting (2), a second
    # bot on the same database (3) or on the same token (4), which would only take turns.
    assert service["Restart"] == ["on-failure"]
    not_restarted = {int(code) for value in service.get("RestartPreventExitStatus", []) for code in value.split()}
    assert {2, EXIT_ALREADY_RUNNING, EXIT_CONFLICT} <= not_restarted
    assert _seconds(service["TimeoutStopSec"][-1]) > 10, "the bot may take 10 s to stop after SIGTERM"
    # systemd's default, 1024, was used up by slow connections to the webhook.
    assert int(service["LimitNOFILE"][-1]) >= 2 * MOST_WEBHOOK_CONNECTIONS

    # The sandbox leaves exactly the database's folder writable.
    assert service["NoNewPrivileges"] == ["yes"] and service["ProtectSystem"] == ["strict"]
    url = next((v.split("=", 1)[1] for v in service.get("Environment", []) if v.startswith("DATABASE_URL=")),
               DEFAULT_DATABASE_URL)
    database = _database_file(url, service["WorkingDirectory"][-1])
    writable = [p for value in service.get("ReadWritePaths", []) for p in value.split()]
    assert any(_within(database, folder) for folder in writable), \
        f"the database {database} (and its lock file) would be read-only; ReadWritePaths={writable}"
