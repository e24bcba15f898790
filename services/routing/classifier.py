"""The statistical classifier: TF-IDF over stems and character n-grams, logistic regression."""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

from services.routing.text import Expressions, analyse, fold, terms


class Hyperparameters(BaseModel):
    """How a model is trained; stored with every model version."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    c: float = Field(default=10.0, gt=0, le=1000, description="Inverse regularisation")
    char_min: int = Field(default=3, ge=2, le=6)
    char_max: int = Field(default=5, ge=2, le=8)
    max_char_features: int = Field(default=40_000, ge=1000, le=200_000)
    history_weight: float = Field(default=3.0, gt=0, le=20, description="Weight of town labels")


@dataclass(frozen=True)
class Example:
    text: str
    category: str
    weight: float = 1.0


class Analyzer:
    """Word features of a text (a class, not a closure, so a fitted model can be stored)."""

    def __init__(self, phrases: Sequence[str]) -> None:
        self.phrases = list(phrases)
        self._expressions = Expressions(self.phrases)

    def __call__(self, text: str) -> list[str]:
        return analyse(text, self._expressions)

    def __getstate__(self) -> dict[str, object]:
        return {"phrases": self.phrases}

    def __setstate__(self, state: dict[str, list[str]]) -> None:
        self.__init__(state["phrases"])  # type: ignore[misc]


class Classifier:
    """A fitted model: probabilities per category and the words that weighed most."""

    def __init__(
        self, words: TfidfVectorizer, chars: TfidfVectorizer, model: LogisticRegression
    ) -> None:
        self.words = words
        self.chars = chars
        self.model = model
        self.categories: list[str] = [str(c) for c in model.classes_]
        self._names: list[str] = [str(n) for n in words.get_feature_names_out()]

    def matrix(self, texts: Sequence[str]) -> csr_matrix:
        """Features of `texts`: word features first, then character n-grams."""
        return csr_matrix(hstack([self.words.transform(texts), self.chars.transform(texts)]))

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        return self.scores(self.matrix(list(texts)))

    def scores(self, features: csr_matrix) -> np.ndarray:
        """Probability of each category (columns in `categories` order), one row per text."""
        return np.asarray(self.model.predict_proba(features))

    def reasons(
        self, text: str, category: str, *, row: csr_matrix | None = None, limit: int = 3
    ) -> list[str]:
        """The words of `text` that pushed most towards `category`, as the citizen wrote them."""
        row = (self.matrix([text]) if row is None else row).tocoo()
        weights = self.model.coef_[self.categories.index(category)]
        scored = sorted(
            (
                (value * weights[col], self._names[col])
                for col, value in zip(row.col, row.data, strict=True)
                if col < len(self._names)
            ),
            reverse=True,
        )
        surfaces = {t.stem: t.surface for t in terms(text)}
        found: list[str] = []
        for score, name in scored:
            phrase = " ".join(surfaces.get(s, s) for s in name.replace("_", " ").split())
            if score > 0 and not any(phrase in f or f in phrase for f in found):
                found.append(phrase)
            if len(found) == limit:
                break
        return found


def fit(
    examples: Sequence[Example], *, phrases: Sequence[str], params: Hyperparameters
) -> Classifier:
    """Train in seconds on a few thousand short texts."""
    texts = [e.text for e in examples]
    words = TfidfVectorizer(analyzer=Analyzer(phrases), sublinear_tf=True).fit(texts)
    chars = TfidfVectorizer(
        analyzer="char_wb",
        preprocessor=fold,
        ngram_range=(params.char_min, max(params.char_min, params.char_max)),
        sublinear_tf=True,
        min_df=2,
        max_features=params.max_char_features,
    ).fit(texts)
    model = LogisticRegression(C=params.c, max_iter=3000)
    matrix = hstack([words.transform(texts), chars.transform(texts)]).tocsr()
    with threadpool_limits(limits=1):  # one core: the other services of the host keep theirs
        model.fit(
            matrix, [e.category for e in examples], sample_weight=[e.weight for e in examples]
        )
    return Classifier(words, chars, model)
