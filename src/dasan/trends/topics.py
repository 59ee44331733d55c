"""Topics (pure): a period's consultations grouped by what they are about, each named by its top
terms (M16).

Each record's words are Kiwi's content words (`terms.extract_many`), weighted TF-IDF (sublinear,
l2; a word in only one record says nothing about a group and is left out). Records are grouped
by agglomerative clustering with average linkage on cosine distance, cut at a fixed distance
(`THRESHOLD`): two groups join while their records are, on average, more alike than that. No
number of topics is chosen in advance, and records like no other stay out of every topic.
Measured against k-means and a one-word anchor on two collections (bench/topics_eval.py,
docs/performance.md): the cut 0.8 was set before measuring; paraKQC's best is 0.6, welfare's 0.8.

Clustering is quadratic in records, so a period with more than `SAMPLE` records is clustered on a
random sample of them and every other record joins the topic whose centre it is closest to (if it
is close enough). A topic is named by class-based TF-IDF (BERTopic's c-TF-IDF): a term's frequency
in the topic times log(1 + A / its frequency overall), A the mean number of terms per topic."""

from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

THRESHOLD = 0.8  # cosine distance at which average linkage stops joining groups
MIN_SIZE = 3  # a topic has at least this many records
SAMPLE = 3000


@dataclass
class Topic:
    record_ids: list[int]
    terms: list[str]
    examples: list[int] = field(default_factory=list)  # the records nearest its centre


def _vectorise(docs: list[list[str]]):
    from sklearn.feature_extraction.text import TfidfVectorizer  # heavy: scikit-learn

    vec = TfidfVectorizer(analyzer=lambda d: d, sublinear_tf=True, norm="l2", min_df=2)
    return vec.fit_transform(docs)


def _agglomerate(matrix, threshold: float):
    from sklearn.cluster import AgglomerativeClustering  # heavy: scikit-learn

    if matrix.shape[0] < 2:
        return [0] * matrix.shape[0]
    model = AgglomerativeClustering(n_clusters=None, metric="cosine", linkage="average",
                                    distance_threshold=threshold)
    return list(model.fit_predict(matrix.toarray()))


def labels_of(docs: list[list[str]], *, threshold: float = THRESHOLD, sample: int = SAMPLE,
              seed: int = 0) -> list[int]:
    """A topic number per document (−1: in no topic of at least MIN_SIZE)."""
    if not docs:
        return []
    usable = [i for i, d in enumerate(docs) if d]
    if len(usable) < MIN_SIZE:
        return [-1] * len(docs)
    try:
        matrix = _vectorise([docs[i] for i in usable])
    except ValueError:  # no word occurs twice: nothing is shared, so there is no topic
        return [-1] * len(docs)
    nonzero = np.asarray(matrix.getnnz(axis=1)).ravel() > 0
    rows = [j for j in range(len(usable)) if nonzero[j]]
    rng = random.Random(seed)
    chosen = sorted(rng.sample(rows, sample)) if len(rows) > sample else rows
    found = _agglomerate(matrix[chosen], threshold)
    label = {j: lab for j, lab in zip(chosen, found, strict=True)}
    sizes = Counter(found)
    if len(rows) > len(chosen):  # the rest join the nearest centre, if it is near enough
        kept = sorted(k for k, n in sizes.items() if n >= MIN_SIZE)
        if kept:
            centres = np.vstack([np.asarray(matrix[[j for j in chosen if label[j] == k]].mean(axis=0)) for k in kept])
            centres /= np.linalg.norm(centres, axis=1, keepdims=True) + 1e-12
            rest = [j for j in rows if j not in label]
            sims = np.asarray(matrix[rest] @ centres.T)
            for j, b, s in zip(rest, sims.argmax(axis=1), sims.max(axis=1), strict=True):
                if 1 - s <= threshold:
                    label[j] = kept[b]
                    sizes[kept[b]] += 1
    out = [-1] * len(docs)
    for j, lab in label.items():
        if sizes[lab] >= MIN_SIZE:
            out[usable[j]] = int(lab)
    # Number the topics 0, 1, … by size, largest first.
    order = {lab: n for n, (lab, _) in enumerate(sorted(Counter(x for x in out if x >= 0).items(),
                                                        key=lambda kv: (-kv[1], kv[0])))}
    return [order[x] if x >= 0 else -1 for x in out]


def c_tf_idf(docs: list[list[str]], labels: list[int], top: int = 5) -> dict[int, list[str]]:
    """The top terms of each topic by class-based TF-IDF."""
    per_topic: dict[int, Counter] = {}
    for d, lab in zip(docs, labels, strict=True):
        if lab >= 0:
            per_topic.setdefault(lab, Counter()).update(d)
    if not per_topic:
        return {}
    overall: Counter = Counter()
    for c in per_topic.values():
        overall.update(c)
    mean_words = sum(overall.values()) / len(per_topic)
    out = {}
    for lab, counts in per_topic.items():
        size = sum(counts.values())
        score = {t: (n / size) * math.log(1 + mean_words / overall[t]) for t, n in counts.items()}
        out[lab] = [t for t, _ in sorted(score.items(), key=lambda kv: (-kv[1], kv[0]))[:top]]
    return out


def topics(records: list[tuple[int, list[str]]], *, threshold: float = THRESHOLD, examples: int = 5,
           seed: int = 0) -> list[Topic]:
    """The topics of `records` ((id, words) pairs), largest first, each with its top terms and the
    records that share most of those terms as examples."""
    docs = [words for _, words in records]
    labels = labels_of(docs, threshold=threshold, seed=seed)
    names = c_tf_idf(docs, labels)
    out: dict[int, Topic] = {}
    for (rid, _), lab in zip(records, labels, strict=True):
        if lab >= 0:
            out.setdefault(lab, Topic(record_ids=[], terms=names[lab])).record_ids.append(rid)
    by_id = dict(records)
    for t in out.values():
        terms = set(t.terms)
        t.examples = sorted(t.record_ids, key=lambda r: (-len(terms & set(by_id[r])), r))[:examples]
    return [out[k] for k in sorted(out)]
