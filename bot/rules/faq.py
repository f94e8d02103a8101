"""Questions typed outside any flow, matched against the FAQ of the content by the words that carry
their meaning: word stems (Snowball, German and English), little words left out, each word weighed by
how few entries have it (a word every entry has says nothing), an entry's concepts (its synonyms and
key phrases) weighed more than the words of its phrasings, and typos forgiven (rapidfuzz) only where
a word is not known as written. Two entries about as likely are offered both; a greeting or thanks
gets the menu; a question the FAQ does not cover is said to be so, not answered beside the point.

The index is built on the first question, so that a bot nobody asks keeps the stemmers and rapidfuzz
out of its start time and memory."""
from __future__ import annotations

import enum
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from bot.content import Content, FaqEntry

# An entry's concepts count this much more than the words of its phrasings.
CONCEPT_WEIGHT = 2.0
# A key phrase of several words ("bis wann", "eigene Mittel") found as a whole counts as a concept,
# besides its words.
PHRASE_WEIGHT = CONCEPT_WEIGHT
# A word found in the FAQ only inside a compound or with a typo counts this much (before its likeness).
COMPOUND_MATCH = 0.9
# The shortest word left before a known one in a compound.
COMPOUND_REST = 4
# Typos: a word not in the FAQ stands for the FAQ's most alike word from this likeness (0-100) on,
# words of fewer than five letters only for a closer one ("rein" is no typo of "Verein"). A typo
# keeps the first letter and the length give or take one letter ("Tschüss" is no "Zuschuss",
# "Bearbeitung" no "bereit"), two in words of more than TYPO_LONG letters.
TYPO = 80
SHORT_TYPO = 85
TYPO_LONG = 8
# A word of the question the FAQ does not know at all counts against every entry this much: "Bahnhof"
# in "Wo ist der Bahnhof?". Less than a rare word of the FAQ: it is as often a verb said another way.
UNKNOWN_WEIGHT = 1.0
# The words of a key phrase may stand this many words apart: "how do we apply" has "how to apply".
PHRASE_GAP = 2
# Words of the question the best entry does not have, though others do, count against it this much:
# "Förderung" and "Antrag" are in most questions and say less about the entry than a word it lacks.
MISSING_WEIGHT = 0.5
# The best entry answers when it covers this share of the question's weight and reaches this score.
COVERED = 0.5
LEAST_SCORE = 2.2
# A second entry scoring this share of the best one is offered with it instead of guessing.
CLOSE = 0.8

LANGUAGES = ("de", "en")
# Little words that say nothing about what is asked, as typed (lower case, either spelling of
# umlauts). Question words that do ("wer", "wann", "wo"; "who", "when", "where") are not among them.
_STOPWORDS = {
    "de": set("""
ich du er sie es wir ihr mein meine meinen meinem meiner unser unsere unseren unserem unserer euer eure
ein eine einen einem einer eines der die das den dem des dies diese dieser dieses diesen man
und oder aber noch auch nur wie was welche welcher welches welchen bis zu zum zur mit von vom
für fuer im in ins an am auf aus bei beim um ueber über unter nach vor als da dann denn doch ja nein
nicht kein keine keinen so sehr mal bitte eigentlich gerne gern etwa etwas hier dort
ist sind bin bist war waren wäre waere sei hat haben habe hast hatte hätte haette
muss muß musst müssen muessen kann kannst können koennen darf darfst dürfen duerfen soll sollen sollte
will wollen möchte moechte möchten moechten würde wuerde werden wird wurde geht gibt gibts es's
mir mich dir dich uns euch ihnen sich jemand pro je werde worden bist
""".split()),
    "en": set("""
i you he she it we they me us them my our your their a an the this that these those
and or but also only how what which to with from for in on at of by as about into
is are was were be been am has have had do does did can could may might must should shall will would
get got please there any some so just yet per each
""".split()),
}
# Said before or instead of a question.
_GREETING = re.compile(r"^\W*(?:hallo|hi|hey|moin|servus|hello|guten (?:tag|morgen|abend)|good (?:morning|afternoon|"
                       r"evening|day)|gr(?:ü|ue)(?:ß|ss) gott|liebe[sr]? \w+)\b")
_THANKS = re.compile(r"\b(?:dank\w*|merci|thanks?|thx|cheers)\b")
# Greetings in front of a question ("Hallo, bis wann …"), which are no part of it.
_SALUTATIONS = {"hallo", "hi", "hey", "moin", "servus", "hello"}
# Words that go with a greeting or thanks and ask nothing.
_SMALLTALK = set("""
hallo hi hey moin servus hello guten gute tag morgen abend gruess grüß gott good morning afternoon evening day
danke dank dankeschön dankeschoen vielen lieben herzlichen besten tausend merci thanks thank thx cheers
schnell schnelle schnellen antwort antworten info infos information auskunft hilfe super toll prima klasse top
ok okay alles klar gut nett freundlich hilft geholfen weiter zusammen leute team
you very much lot great good nice cool helps helped help answer quick kind
""".split())


class Kind(enum.Enum):
    ANSWER = "answer"  # one entry answers
    CHOICE = "choice"  # two entries are about as likely: the asker chooses
    GREETING = "greeting"
    THANKS = "thanks"
    NONE = "none"  # nothing fits: the council office can answer (/ask)


@dataclass(frozen=True)
class Reply:
    kind: Kind
    entries: tuple[FaqEntry, ...] = ()


@dataclass(frozen=True)
class Scored:
    entry: FaqEntry
    score: float  # the weight of the question's words the entry has, concepts weighed more
    # The score's share of the score and what speaks against the entry: the question's words the FAQ
    # does not know, and (less) those other entries have (0-1).
    covered: float


def tokens(text: str) -> list[str]:
    """Lower case, accents other than umlauts gone, punctuation gone: the words as typed."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    # Umlauts are put back together: the stemmer knows them, and the stop words list both spellings.
    kept = "".join(c for c in decomposed if c == "\u0308" or not unicodedata.combining(c))
    plain = unicodedata.normalize("NFKC", kept)
    return re.findall(r"[^\W_]+", plain)


@dataclass
class _Index:
    """The FAQ's words in one language, stemmed."""

    stem: object  # snowballstemmer's stemmer: stemWord(str) -> str
    terms: list[set[str]] = field(default_factory=list)  # per entry: the stems of its phrasings and concepts
    concepts: list[set[str]] = field(default_factory=list)  # per entry: the stems of its one-word concepts
    phrases: list[list[tuple[str, ...]]] = field(default_factory=list)  # per entry: its concepts of several words
    idf: dict[str, float] = field(default_factory=dict)
    vocabulary: list[str] = field(default_factory=list)

    def stems(self, words: Iterable[str]) -> list[str]:
        return [self.stem.stemWord(word) for word in words]


class Faq:
    def __init__(self, content: Content) -> None:
        self.entries: tuple[FaqEntry, ...] = tuple(content.faq)
        self._by_key = {entry.key: entry for entry in self.entries}
        self._indexes: dict[str, _Index] | None = None

    def entry(self, key: str) -> FaqEntry | None:
        return self._by_key.get(key)

    def match(self, question: str) -> Reply:
        words = tokens(question)
        smalltalk = self._smalltalk(words)
        if smalltalk is not None:
            return Reply(smalltalk)
        ranked = [s for s in self.scores(question) if s.covered >= COVERED and s.score >= LEAST_SCORE]
        if not ranked:
            return Reply(Kind.NONE)
        if len(ranked) > 1 and ranked[1].score >= CLOSE * ranked[0].score:
            return Reply(Kind.CHOICE, (ranked[0].entry, ranked[1].entry))
        return Reply(Kind.ANSWER, (ranked[0].entry,))

    @staticmethod
    def _smalltalk(words: Sequence[str]) -> Kind | None:
        """A greeting or thanks with nothing asked besides."""
        lowered = " ".join(words)
        thanks, greeting = _THANKS.search(lowered), _GREETING.search(lowered)
        if not (thanks or greeting):
            return None
        rest = [w for w in words if w not in _SMALLTALK and not any(w in _STOPWORDS[lang] for lang in LANGUAGES)
                and not _THANKS.fullmatch(w)]
        if rest:
            return None
        return Kind.THANKS if thanks else Kind.GREETING

    def scores(self, question: str) -> list[Scored]:
        """Every entry with a part of the question, the likeliest first (in the language that fits it better)."""
        words = [w for w in tokens(question) if not _THANKS.fullmatch(w) and w not in _SALUTATIONS]
        best: dict[str, Scored] = {}
        for language, index in self._index().items():
            for scored in self._scores_in(index, language, words):
                known = best.get(scored.entry.key)
                if known is None or (scored.score, scored.covered) > (known.score, known.covered):
                    best[scored.entry.key] = scored
        return sorted(best.values(), key=lambda s: (-s.score, -s.covered))

    def _scores_in(self, index: _Index, language: str, words: list[str]) -> list[Scored]:
        stems = index.stems(words)
        # Numbers ("2028") are no sign that a question is off the FAQ's subjects; known ones ("100") count.
        content = [stem for word, stem in zip(words, stems, strict=True)
                   if word not in _STOPWORDS[language] and (not word.isdigit() or stem in index.idf)]
        found: dict[str, float] = {}  # a known stem -> how well the question has it (0-1)
        weight = 0.0
        for stem in dict.fromkeys(content):
            word, likeness = _lookup(index, stem)
            if word is None:
                weight += UNKNOWN_WEIGHT
                continue
            weight += index.idf[word]
            found[word] = max(found.get(word, 0.0), likeness)
        if weight == 0:
            return []
        known = sum(index.idf[stem] for stem in found)
        results = []
        for n, entry in enumerate(self.entries):
            had = sum(index.idf[stem] * likeness for stem, likeness in found.items() if stem in index.terms[n])
            # The entry's concepts weigh more: a question with one of them is the entry's subject.
            score = sum(index.idf[stem] * likeness * (CONCEPT_WEIGHT if stem in index.concepts[n] else 1)
                        for stem, likeness in found.items() if stem in index.terms[n])
            for phrase in index.phrases[n]:
                if _has_phrase(stems, phrase):
                    score += PHRASE_WEIGHT * index.idf[" ".join(phrase)]
            if score > 0:
                against = weight - known + MISSING_WEIGHT * max(0.0, known - had)
                results.append(Scored(entry, score, score / (score + against)))
        return results

    def _index(self) -> dict[str, _Index]:
        if self._indexes is None:
            # Imported on the first question typed, as the index is built then.
            import snowballstemmer

            self._indexes = {language: _build(snowballstemmer.stemmer({"de": "german", "en": "english"}[language]),
                                              self.entries, language) for language in LANGUAGES}
        return self._indexes


def _build(stemmer: object, entries: Sequence[FaqEntry], language: str) -> _Index:
    index = _Index(stemmer)
    stop = _STOPWORDS[language]
    for entry in entries:
        terms: set[str] = set()
        for phrasing in getattr(entry, language):
            words = tokens(phrasing)
            terms.update(s for w, s in zip(words, index.stems(words), strict=True) if w not in stop)
        concepts, phrases = set(), []
        for concept in getattr(entry.concepts, language):
            words = tokens(concept)
            stems = index.stems(words)
            if len(words) == 1:
                concepts.update(stems)
            else:  # its words count as those of a phrasing, the phrase as a whole as a concept
                terms.update(s for w, s in zip(words, stems, strict=True) if w not in stop)
                phrases.append(tuple(stems))
        index.terms.append(terms | concepts)
        index.concepts.append(concepts)
        index.phrases.append(phrases)
    count = len(entries)
    features = [terms | {" ".join(phrase) for phrase in phrases}
                for terms, phrases in zip(index.terms, index.phrases, strict=True)]
    for feature in set().union(*features) if features else ():
        have = sum(feature in f for f in features)
        # BM25's weight of a word by the number of entries that have it.
        index.idf[feature] = math.log(1 + (count - have + 0.5) / (have + 0.5))
    index.vocabulary = sorted(set().union(*index.terms) if index.terms else set())
    return index


def _has_phrase(stems: Sequence[str], phrase: Sequence[str]) -> bool:
    """Whether the words of `phrase` come in its order, each at most PHRASE_GAP words after the one before."""
    for start, stem in enumerate(stems):
        if stem != phrase[0]:
            continue
        at = start
        for wanted in phrase[1:]:
            following = stems[at + 1:at + 2 + PHRASE_GAP]
            if wanted not in following:
                break
            at += 1 + following.index(wanted)
        else:
            return True
    return False


def _lookup(index: _Index, stem: str) -> tuple[str | None, float]:
    """The FAQ's word a stem of the question stands for, and how sure that is (0-1)."""
    if stem in index.idf:
        return stem, 1.0
    # A compound: "Antragsformular" has "formular", "Fördergeld" has "geld": its last part says what it
    # is, and the longest one known counts. Not its first part: "Personalkosten" are no "Person".
    parts = [known for known in index.vocabulary
             if len(known) >= 4 and len(stem) >= len(known) + COMPOUND_REST and stem.endswith(known)]
    part = max(parts, key=len, default=None)
    typo = None
    if len(stem) >= 3:
        from rapidfuzz import fuzz, process  # imported with the first word the FAQ does not have as written

        spread = 2 if len(stem) > TYPO_LONG else 1
        alike = [known for known in index.vocabulary if known[0] == stem[0] and abs(len(known) - len(stem)) <= spread]
        typo = process.extractOne(stem, alike, scorer=fuzz.ratio, score_cutoff=TYPO if len(stem) >= 5 else SHORT_TYPO)
    # Of a compound's part and a typo, the longer word says more: "Antragsfirst" is "Antragsfrist"
    # misspelt rather than an "Antrag".
    if typo is not None and (part is None or len(typo[0]) > len(part)):
        return typo[0], COMPOUND_MATCH * typo[1] / 100
    if part is not None:
        return part, COMPOUND_MATCH
    return None, 0.0
