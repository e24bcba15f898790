"""French text as citizens write it, reduced to comparable terms (pure logic)."""

import itertools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

_ELISION = re.compile(r"\b(?:[ldjmntsc]|qu|jusqu|lorsqu|puisqu)['’`´]", re.IGNORECASE)
_NON_WORD = re.compile(r"[^a-z0-9]+")
# Grammatical words that carry no topic; kept short on purpose (negations and numbers stay).
_STOPWORDS = """a au aux avec ce ces cet cette d de des du elle en et eux il ils je la le les
    leur lui
    ma mais me mes moi mon nos notre nous on ou par pour qu que qui sa se ses son sur ta te
    tes toi ton tu un une vos votre vous y est sont etre ai as avons avez ont suis es etes
    bonjour madame monsieur merci cordialement svp stp slt bjr mr mme mlle dans est il elle
    c l s n j m t qu ca cela ceci tres bien car donc alors aussi deja encore plus depuis
    chez vers"""
STOPWORDS = frozenset(_STOPWORDS.split())


@dataclass(frozen=True)
class Term:
    """One word of the text: as written (for explanations) and as a stem (for matching)."""

    surface: str
    stem: str


def fold(text: str) -> str:
    """Lower case without accents, elisions and hyphens: « L'Allée-des-Tilleuls » -> words."""
    text = _ELISION.sub(" ", text.replace("œ", "oe").replace("Œ", "OE"))
    stripped = unicodedata.normalize("NFKD", text.lower())
    ascii_only = "".join(c for c in stripped if not unicodedata.combining(c))
    return _NON_WORD.sub(" ", ascii_only).strip()


@lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    return str(_STEMMER.stemWord(word))


_STEMMER = snowballstemmer.stemmer("french")


def terms(text: str) -> list[Term]:
    """The topic-bearing words of `text`, folded and stemmed, in order."""
    words = fold(text).split()
    return [Term(w, stem(w)) for w in words if w not in STOPWORDS and len(w) > 1]


def stems(text: str) -> list[str]:
    return [t.stem for t in terms(text)]


class Expressions:
    """Multi-word expressions (« nid de poule », « salle des fêtes ») matched on stems."""

    def __init__(self, phrases: Iterable[str]) -> None:
        self._by_first: dict[str, list[tuple[str, ...]]] = {}
        for phrase in phrases:
            key = tuple(stems(phrase))
            if len(key) >= 2:
                self._by_first.setdefault(key[0], []).append(key)

    def found(self, sequence: list[str]) -> list[str]:
        """Expressions present in a stem sequence, as single tokens."""
        hits = []
        for i, first in enumerate(sequence):
            for key in self._by_first.get(first, ()):
                if tuple(sequence[i : i + len(key)]) == key:
                    hits.append("_".join(key))
        return hits


def analyse(text: str, expressions: Expressions) -> list[str]:
    """Features of a text: stems, adjacent stem pairs and known expressions."""
    sequence = stems(text)
    pairs = [f"{a} {b}" for a, b in itertools.pairwise(sequence)]
    return sequence + pairs + expressions.found(sequence)
