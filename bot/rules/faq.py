"""Questions typed outside any flow, matched against the FAQ of the content: tolerant of word forms,
typos and either language (word by word with rapidfuzz), and honest when nothing fits."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from bot.content import Content, FaqEntry

# A word of a phrasing is found in the question when a word there is at least this alike (typos, endings).
WORD_MATCH = 80
# A phrasing fits when the question has this share of its words; below, a question is better passed
# to the council office than answered beside the point.
GOOD_MATCH = 0.66
# ... and when the phrasing covers this share of the question's words: "Thank you very much" has the
# "much" of "How much can we get?", and is still no question about money.
ON_TOPIC = 0.4
_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
# Words that say little about what is asked; the rest decide ("wer" and "wann", "who" and "when" do).
_STOPWORDS = set("""
ich du er sie es wir ihr mein meine unser unsere euer ein eine einen einem der die das den dem des
und oder aber noch schon auch nur wie was wo bis zu zum zur mit von
fuer im in an auf am aus bei ist sind war hat haben habe muss muessen kann koennen darf duerfen soll
werden wird wurde geht gibt es man mal denn doch bitte hallo bei
i you he she it we they my our your a an the and or but also only how what where which
to with from for in on at of is are was has have had must can may should will do does did
get got please hello there this that
""".split())


def words(text: str) -> list[str]:
    """Lower case, umlauts spelled out, accents and punctuation gone, little words left out."""
    folded = unicodedata.normalize("NFKD", text.lower().translate(_FOLD))
    plain = "".join(c for c in folded if not unicodedata.combining(c))
    return [w for w in re.sub(r"[^\w\s]", " ", plain).split() if w not in _STOPWORDS]


def _alike(wanted: str, asked: str, ratio: Callable[[str, str], float]) -> float:
    """How well a word of the question stands for a word of a phrasing: typos and endings (ratio), and
    compounds that contain it: "frist" in "antragsfrist", "viel" in "wieviel" (four letters or more at
    either end). Only that way round: "antrag" asked does not mean "antragsfrist"."""
    if len(wanted) >= 4 and (asked.startswith(wanted) or asked.endswith(wanted)):
        return 100.0
    return ratio(wanted, asked)


class Faq:
    def __init__(self, content: Content) -> None:
        self._phrasings = [(entry, words(phrasing)) for entry in content.faq for phrasing in (*entry.de, *entry.en)]

    def match(self, question: str) -> FaqEntry | None:
        asked = words(question)
        if not asked:
            return None
        # Imported on the first question typed: a bot nobody asks keeps rapidfuzz out of its memory.
        from rapidfuzz.fuzz import ratio

        best, best_score = None, (0.0, 0.0, 0)
        for entry, phrasing in self._phrasings:
            if not phrasing:
                continue
            alike = [max(_alike(w, v, ratio) for v in asked) for w in phrasing]
            covered = sum(any(_alike(w, v, ratio) >= WORD_MATCH for w in phrasing) for v in asked) / len(asked)
            if covered < ON_TOPIC:
                continue
            # How much of the phrasing the question has; between equals, the closer one, then the longer
            # (more specific) one.
            score = (sum(a >= WORD_MATCH for a in alike) / len(phrasing), sum(alike) / len(alike), len(phrasing))
            if score > best_score:
                best, best_score = entry, score
        return best if best_score[0] >= GOOD_MATCH else None
