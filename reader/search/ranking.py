"""Ranking: a parsed query becomes one tantivy query, and its hits a ranked list.

Each word is expanded against the vocabulary (typos, prefixes, plurals,
joined forms) and scores its best expansion in its best field (a
disjunction-max of term queries boosted by the expansion's quality and the
field's weight: title over tags over links over authors and notes over
abstract); BM25 makes rare words weigh more than common ones. With three or
more words a paper may miss a third of them. Quoted phrases are positional
phrase queries. Filters are exact sub-queries that do not score. Equal scores
put newer papers first.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable

import tantivy

from reader.papers import Paper
from reader.search.documents import FIELD_WEIGHTS, SCHEMA, TEXT_FIELDS
from reader.search.query import Query, Term
from reader.search.vocab import Vocabulary

ADJACENT_BOOST = 0.6  # the query's words side by side, in order, in the title
TIE_BREAKER = 0.1  # what a word's second-best field adds (dis-max tie breaker)
# What matching a word at all is worth, times its rarity (idf): more than any field can add.
MATCH_BONUS = 8.0

Occur = tantivy.Occur
Q = tantivy.Query


def _term(field: str, value) -> tantivy.Query:
    return Q.term_query(SCHEMA, field, value)


def _filter(query: tantivy.Query) -> tantivy.Query:
    return Q.const_score_query(query, 0.0)


class _QueryBuilder:
    def __init__(self, vocab: Vocabulary | None, query: Query, searcher: tantivy.Searcher | None = None) -> None:
        self.vocab = vocab
        self.query = query
        self.searcher = searcher
        self.papers = max(searcher.num_docs - 1, 1) if searcher is not None else 1
        self.expansions: dict[str, dict[str, float]] = {}
        self._built: dict[str, tantivy.Query] = {}

    def rarity(self, words: Iterable[str]) -> float:
        """How rare the rarest of ``words`` is in the library (BM25's idf of the most specific field match)."""
        if self.searcher is None:
            return 1.0
        best = 0
        for word in words:
            for field in TEXT_FIELDS:
                best = max(best, self.searcher.doc_freq(field, word))
        count = self.papers
        frequency = min(best, count)
        return math.log(1 + (count - frequency + 0.5) / (frequency + 0.5))

    def wanted(self) -> int:
        count = len(self.query.terms)
        return count if count <= 2 else count - count // 3

    def expand(self, word: str) -> dict[str, float]:
        found = self.expansions.get(word)
        if found is None:
            found = self.vocab.expand(word) if self.vocab is not None else {word: 1.0}
            self.expansions[word] = found
        return found

    def word(self, word: str, fields=TEXT_FIELDS) -> tantivy.Query:
        """The best expansion of ``word`` in its best field."""
        subqueries = []
        for term, quality in self.expand(word).items():
            for field in fields:
                subqueries.append(Q.boost_query(_term(field, term), FIELD_WEIGHTS[field] * quality * quality))
        if len(subqueries) == 1:
            return subqueries[0]
        return Q.disjunction_max_query(subqueries, TIE_BREAKER)

    def term(self, term: Term) -> tantivy.Query:
        """A query word: its score, plus a constant for matching it at all that grows with its rarity
        (so that matching one more word outranks better fields for the others, and rare words
        count more than common ones)."""
        built = self._built.get(term.text)
        if built is not None:
            return built
        if len(term.parts) == 1 and not term.joined:
            scored = self.word(term.parts[0])
            names = [term.parts[0]]
        else:
            choices = [self.word(joined) for joined in term.joined]
            parts = [self.word(part) for part in term.parts]
            together = parts[0] if len(parts) == 1 else Q.boolean_query([(Occur.Must, part) for part in parts])
            choices.append(Q.boost_query(together, 0.95 / len(parts)))
            scored = Q.disjunction_max_query(choices) if len(choices) > 1 else choices[0]
            names = [*term.joined, *term.parts]
        built = Q.boolean_query(
            [(Occur.Should, scored), (Occur.Should, Q.const_score_query(scored, MATCH_BONUS * self.rarity(names)))]
        )
        self._built[term.text] = built
        return built

    @staticmethod
    def phrase(words: tuple[str, ...], fields=TEXT_FIELDS) -> tantivy.Query:
        if len(words) == 1:
            subqueries = [Q.boost_query(_term(field, words[0]), FIELD_WEIGHTS[field]) for field in fields]
        else:
            subqueries = [
                Q.boost_query(Q.phrase_query(SCHEMA, field, list(words)), FIELD_WEIGHTS[field]) for field in fields
            ]
        return Q.disjunction_max_query(subqueries, TIE_BREAKER)

    def filters(self) -> tuple[list, list]:
        """(must, must not) sub-queries for the query's filters (they do not score)."""
        query = self.query
        must: list = [_term("kind", "paper")]
        must_not: list = []
        if query.read is True:
            must.append(_term("flag", "read"))
        elif query.read is False:
            must_not.append(_term("flag", "read"))
        must += [_term("flag", what) for what in query.has]
        must_not += [_term("flag", what) for what in query.has_not]
        must += [_term("tag", tag) for tag in query.tags]
        must_not += [_term("tag", tag) for tag in query.not_tags]
        must += [self._source(page) for page in query.sources]
        must_not += [self._source(page) for page in query.not_sources]
        must += [self._author(name) for name in query.authors]
        must_not += [self._author(name) for name in query.not_authors]
        for field, ranges, negated in (
            ("added", query.added, False), ("added", query.not_added, True),
            ("published", query.published, False), ("published", query.not_published, True),
        ):
            for when in ranges:
                lower = when.first if when.first is not None else 0
                upper = when.last if when.last is not None else 99991231
                (must_not if negated else must).append(
                    Q.range_query(SCHEMA, field, tantivy.FieldType.Integer, lower, upper)
                )
        if query.ids:
            must.append(Q.boolean_query([(Occur.Should, self._id(start)) for start in query.ids]))
        must_not += [self._id(start) for start in query.not_ids]
        for word in query.exclude_terms:
            must_not.append(Q.boolean_query([(Occur.Should, _term(field, word)) for field in TEXT_FIELDS]))
        for words in query.exclude_phrases:
            must_not.append(self.phrase(words))
        return [_filter(item) for item in must], must_not

    @staticmethod
    def _source(page: str) -> tantivy.Query:
        return Q.regex_query(SCHEMA, "source", ".*" + _regex_literal(page) + ".*")

    @staticmethod
    def _id(start: str) -> tantivy.Query:
        return Q.regex_query(SCHEMA, "id", _regex_literal(start) + ".*")

    def _author(self, name: tuple[str, ...]) -> tantivy.Query:
        words = [self.word(word, ("authors",)) for word in name]
        return words[0] if len(words) == 1 else Q.boolean_query([(Occur.Must, word) for word in words])

    def build(self, wanted: int | None = None) -> tantivy.Query:
        query = self.query
        must, must_not = self.filters()
        clauses = [(Occur.Must, item) for item in must] + [(Occur.MustNot, item) for item in must_not]
        if query.terms:
            words = [self.term(term) for term in query.terms]
            count = len(words)
            if wanted is None:
                wanted = self.wanted()
            if count == 1:
                text = words[0]
            else:
                text = Q.boolean_query([(Occur.Should, word) for word in words], minimum_number_should_match=wanted)
            clauses.append((Occur.Must, text))
            adjacent = self._adjacent()
            if adjacent is not None:
                clauses.append((Occur.Should, adjacent))
        for phrase in query.phrases:
            clauses.append((Occur.Must, self.phrase(phrase)))
        return Q.boolean_query(clauses)

    def _adjacent(self) -> tantivy.Query | None:
        """The query's words as typed, side by side in the title: a small bonus."""
        terms = self.query.terms
        if len(terms) < 2 or any(len(term.parts) != 1 for term in terms):
            return None
        words: list[str | tuple[int, str]] = [term.parts[0] for term in terms]
        return Q.boost_query(Q.phrase_query(SCHEMA, "title", words), ADJACENT_BOOST)


def _regex_literal(text: str) -> str:
    return "".join(ch if ch.isalnum() else "\\" + ch if ch.isascii() else ch for ch in text)


def _searcher_query(vocab: Vocabulary | None, parsed: Query):
    return _QueryBuilder(vocab, parsed).build()


def _match_count(result: tantivy.SearchResult) -> int:
    """How many documents matched a search made with ``count=True`` (tantivy's type stub omits the attribute)."""
    return int(result.count)  # type: ignore[attr-defined]


def ranked_addresses(index: tantivy.Index, vocab, parsed: Query, limit: int | None):
    """(addresses best first, scores, total) for ``parsed``."""
    searcher = index.searcher()
    if parsed.contradiction:
        return searcher, [], [], 0
    papers = max(searcher.num_docs - 1, 0)
    if limit is not None and limit <= 0:
        fetch = 1
    else:
        fetch = papers if limit is None else min(limit, papers)
    fetch = max(fetch, 1)
    if not parsed.has_text:
        result = searcher.search(_searcher_query(vocab, parsed), fetch, count=True, order_by_field="order")
        addresses = [address for _, address in result.hits]
        total = _match_count(result)
        if limit is not None:
            addresses = addresses[: max(limit, 0)]
        return searcher, addresses, [0.0] * len(addresses), total
    builder = _QueryBuilder(vocab, parsed, searcher)
    # Equal scores: newer first. Ask for a few more than needed so that ties at the cut are ordered.
    extra = max(fetch if limit is None else min(papers, fetch * 2 + 10), 1)
    wanted = builder.wanted()
    result = searcher.search(builder.build(wanted), extra, count=True)
    total = _match_count(result)
    while not total and wanted > 1:
        # Fewer words than the usual share only when no paper matches that many.
        wanted -= 1
        result = searcher.search(builder.build(wanted), extra, count=True)
        total = _match_count(result)
    hits = result.hits
    if not hits:
        return searcher, [], [], total
    orders = searcher.fast_field_values("order", [address for _, address in hits])
    ranked = sorted(zip(hits, orders, strict=True), key=lambda item: (-round(item[0][0], 4), -(item[1] or 0)))
    if limit is not None:
        ranked = ranked[: max(limit, 0)]
    best = ranked[0][0][0] if ranked else 1.0
    scores = [round(min(hit[0] / best, 1.0), 4) if best > 0 else 0.0 for hit, _ in ranked]
    return searcher, [hit[1] for hit, _ in ranked], scores, total


def run_query(index, vocab, parsed: Query, limit: int | None, get_paper):
    searcher, addresses, scores, total = ranked_addresses(index, vocab, parsed, limit)
    found = []
    for address, score in zip(addresses, scores, strict=True):
        doc = searcher.doc(address)
        pid = doc.get_first("id")
        found.append((get_paper(pid) if get_paper is not None else _paper_from(doc), score))
    return found, total


def _paper_from(doc: tantivy.Document) -> Paper | None:
    raw = doc.get_first("doc")
    if raw is None:
        return None
    try:
        return Paper.from_doc(json.loads(bytes(raw)))
    except (TypeError, ValueError):
        return None
