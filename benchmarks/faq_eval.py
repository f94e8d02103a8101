"""How well the FAQ understands how people ask: the phrasings in benchmarks/faq_phrasings.toml (not the
entries' own) put to the FAQ of the content file, as a question typed to the bot is.

For the phrasings of an entry: answered with that entry (right), answered with another (wrong), both
offered as buttons with the right one among them, or passed to /ask. Greetings and thanks should get
the menu, questions the FAQ does not cover /ask (none of its entries is about meetings or how long a
decision takes). Prints the figures and the misses; exit code 1 when fewer than 90 % are answered
right or more than 3 % wrong. tests/test_faq_eval.py runs the same.

    python benchmarks/faq_eval.py [--content FILE] [--phrasings FILE] [--verbose]
"""
from __future__ import annotations

import argparse
import sys
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.content import Content, load  # noqa: E402
from bot.rules.faq import Faq, Kind  # noqa: E402

PHRASINGS = Path(__file__).with_name("faq_phrasings.toml")
RIGHT_AT_LEAST = 0.90
WRONG_AT_MOST = 0.03
SMALLTALK = {"greeting": Kind.GREETING, "thanks": Kind.THANKS, "none": Kind.NONE}


@dataclass
class Evaluation:
    outcomes: Counter = field(default_factory=Counter)  # right, wrong, offered, ask
    per_language: Counter = field(default_factory=Counter)  # (language, outcome)
    other: Counter = field(default_factory=Counter)  # (greeting|thanks|none, as expected or not)
    misses: list[str] = field(default_factory=list)

    @property
    def asked(self) -> int:
        return sum(self.outcomes.values())

    def share(self, outcome: str) -> float:
        return self.outcomes[outcome] / self.asked if self.asked else 0.0

    @property
    def passed(self) -> bool:
        return self.share("right") >= RIGHT_AT_LEAST and self.share("wrong") <= WRONG_AT_MOST

    def report(self) -> str:
        def asked_in(language: str) -> int:
            return sum(n for (lang, _), n in self.per_language.items() if lang == language)

        right, wrong = self.outcomes["right"], self.outcomes["wrong"]
        heading = (f"FAQ evaluation: {self.asked} phrasings ({asked_in('de')} German, {asked_in('en')} English), "
                   "none of them an entry's own")
        lines = [heading,
                 f"  answered with the right entry: {right} ({self.share('right'):.1%}; at least {RIGHT_AT_LEAST:.0%})",
                 f"  answered with a wrong entry:   {wrong} ({self.share('wrong'):.1%}; at most {WRONG_AT_MOST:.0%})",
                 f"  two offered, the right one among them: {self.outcomes['offered']} ({self.share('offered'):.1%})",
                 f"  passed to /ask: {self.outcomes['ask']} ({self.share('ask'):.1%})"]
        for language in ("de", "en"):
            lines.append(f"  {language}: {self.per_language[(language, 'right')]} of {asked_in(language)} right")
        for kind, expected in (("greeting", "the menu"), ("thanks", "the menu"), ("none", "/ask")):
            total = self.other[(kind, True)] + self.other[(kind, False)]
            lines.append(f"  {kind}: {self.other[(kind, True)]} of {total} got {expected}")
        return "\n".join(lines)


def evaluate(content: Content | None = None, phrasings: Path = PHRASINGS) -> Evaluation:
    faq = Faq(content or load())
    cases = tomllib.loads(phrasings.read_text(encoding="utf-8"))
    result = Evaluation()
    for expected, by_language in cases.items():
        for language, questions in by_language.items():
            for question in questions:
                reply = faq.match(question)
                if expected in SMALLTALK:
                    fits = reply.kind is SMALLTALK[expected]
                    result.other[(expected, fits)] += 1
                    if not fits:
                        result.misses.append(f"{expected:>12} <- {question!r}: {_said(reply)}")
                    continue
                if faq.entry(expected) is None:
                    raise ValueError(f"{phrasings}: [{expected}] is no FAQ entry's key")
                keys = [entry.key for entry in reply.entries]
                outcome = ("right" if reply.kind is Kind.ANSWER and keys == [expected] else
                           "wrong" if reply.kind is Kind.ANSWER else
                           "offered" if expected in keys else
                           "wrong" if reply.kind is Kind.CHOICE else "ask")
                result.outcomes[outcome] += 1
                result.per_language[(language, outcome)] += 1
                if outcome != "right":
                    result.misses.append(f"{expected:>12} <- {question!r}: {_said(reply)}")
    return result


def _said(reply: object) -> str:
    return f"{reply.kind.value} {' / '.join(e.key for e in reply.entries)}".strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--content", type=Path, help="a content file (default: the shipped one)")
    parser.add_argument("--phrasings", type=Path, default=PHRASINGS)
    parser.add_argument("--verbose", action="store_true", help="list every phrasing not answered right")
    args = parser.parse_args()
    result = evaluate(load(args.content) if args.content else None, args.phrasings)
    print(result.report())
    if args.verbose or not result.passed:
        print("\n".join(["", "Not answered right:", *result.misses]))
    return 0 if result.passed else 1


if __name__ == "__main__":
    sys.exit(main())
