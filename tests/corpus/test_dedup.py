"""Near-miss negatives for the duplicate detector: the same story told by another outlet is not a copy; an edited
copy of the same article is."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from narrascope.corpus.dedup import BAND_BITS, UNDATED, DuplicateDetector, stored_key, week_of
from narrascope.documents import Document
from narrascope.store import Duplicate, Store, open_store

AGENCY = ("The parliament approved a new budget for military aid on Tuesday after a long debate. Opposition members "
          "said the money would be better spent on hospitals and schools. The minister of finance promised that taxes "
          "would not rise next year despite the additional spending on weapons.")
# the same event, the same names and numbers, written by another newsroom
OWN_REPORT = ("Lawmakers voted through extra military aid in Tuesday's budget after hours of debate in parliament. "
              "Critics in the opposition wanted the funds spent on schools and hospitals instead. Taxes will stay "
              "the same next year, the finance minister said, although spending on weapons goes up.")
# an opinion piece on the same topic
COMMENT = ("Another budget, another round of weapons. The parliament's vote on Tuesday shows that military aid always "
           "wins over hospitals and schools, whatever the minister of finance says about taxes.")
# the agency text, lightly edited by a syndicating outlet
EDITED = AGENCY.replace("on Tuesday", "on Tuesday evening").replace("long debate", "lengthy debate") + " (Agency)"


def test_the_same_story_in_other_words_is_not_a_duplicate() -> None:
    detector = DuplicateDetector()
    docs = [
        Document("agency", AGENCY, outlet="agency.test", published="2024-05-01"),
        Document("report", OWN_REPORT, outlet="daily.test", published="2024-05-01"),
        Document("comment", COMMENT, outlet="blog.test", published="2024-05-02"),
        Document("edited", EDITED, outlet="syndicate.test", published="2024-05-02"),
    ]
    links, _ = detector.process(docs)
    assert {(d.document_id, d.origin_id) for d in links} == {("edited", "agency")}  # the positive control
    assert [detector.origin_of(i) for i in ("report", "comment")] == ["report", "comment"]
    assert all(link.similarity >= detector.threshold for link in links)


def test_a_shared_boilerplate_paragraph_does_not_make_two_articles_copies() -> None:
    footer = " Subscribe to our newsletter for the latest news from the region, every morning in your inbox."
    detector = DuplicateDetector()
    links, _ = detector.process([
        Document("a", "Heavy rain flooded the valley villages overnight and rescue teams evacuated residents." + footer),
        Document("b", "The football club signed a new goalkeeper from the capital for the coming season." + footer),
    ])
    assert links == [] and detector.origin_of("b") == "b"


def _stored(store: Store, detector: DuplicateDetector, docs: list[Document]) -> list[Duplicate]:
    """Store ``docs`` as an ingest batch does: documents, then their signatures, band keys and copy links."""
    store.add_documents(docs)
    links, signatures = detector.process(docs)
    store.save_signatures(signatures)
    store.add_duplicates(links)
    return links


def test_a_link_from_a_document_without_a_signature_is_not_followed(tmp_path: Path) -> None:
    # "late" was stored with a copy link but no signature (not by an ingest): it cannot be re-pointed with its group
    store = open_store(tmp_path / "c.db")
    _stored(store, DuplicateDetector().load(store), [Document("early", AGENCY, published="2024-05-02")])
    store.add_documents([Document("late", AGENCY + " Late.", published="2024-05-03")])
    store.add_duplicates([Duplicate("late", "early", 0.9)])
    # an even earlier copy makes its group's members point to it: every member must have a signature
    links = _stored(store, DuplicateDetector().load(store), [Document("earliest", EDITED, published="2024-05-01")])
    assert {(d.document_id, d.origin_id) for d in links} == {("early", "earliest")}


def test_a_near_miss_below_the_threshold_is_not_a_copy() -> None:
    # the agency text without its first sentence and with every 7th word changed: LSH offers it as a candidate, but
    # its estimated similarity is under the threshold
    near = " ".join(w + "x" if i % 7 == 0 else w for i, w in enumerate(AGENCY.split()[7:]))
    detector = DuplicateDetector()
    detector.process([Document("agency", AGENCY, published="2024-05-01")])
    assert detector.signature(near).jaccard(detector.signature(AGENCY)) < detector.threshold  # the premise
    links, _ = detector.process([Document("near", near, published="2024-05-02")])
    assert links == [] and detector.origin_of("near") == "near"


def test_short_texts_that_differ_in_their_last_word_are_not_copies() -> None:
    detector = DuplicateDetector()
    links, _ = detector.process([Document("a", "Army retreats from Kherson"), Document("b", "Army retreats from Bakhmut")])
    # 3-word shingles {army retreats from, retreats from kherson} vs {..., retreats from bakhmut}: Jaccard 1/3
    assert links == []


def test_an_undated_copy_does_not_become_the_origin_of_a_dated_article() -> None:
    detector = DuplicateDetector()
    links, _ = detector.process([Document("undated", EDITED), Document("dated", AGENCY, published="2024-05-01")])
    assert {(d.document_id, d.origin_id) for d in links} == {("undated", "dated")}
    assert detector.origin_of("undated") == "dated"


# the agency text edited once more by a third outlet: closer to EDITED than to AGENCY
RE_EDITED = EDITED.replace("hospitals and schools", "hospitals and new schools").replace("next year", "next year or after")


def test_a_copy_of_a_copy_points_to_the_groups_origin() -> None:
    detector = DuplicateDetector()
    links, _ = detector.process([
        Document("agency", AGENCY, published="2024-05-01"),
        Document("edited", EDITED, published="2024-05-02"),
        Document("re-edited", RE_EDITED, published="2024-05-03"),
    ])
    sig = {name: detector.signature(text) for name, text in (("agency", AGENCY), ("edited", EDITED), ("re", RE_EDITED))}
    assert sig["re"].jaccard(sig["edited"]) > sig["re"].jaccard(sig["agency"])  # the premise: its best match is a copy
    assert {(d.document_id, d.origin_id) for d in links} == {("edited", "agency"), ("re-edited", "agency")}


def test_groups_loaded_from_the_store_move_to_an_earlier_origin_as_a_whole(tmp_path: Path) -> None:
    store = open_store(tmp_path / "c.db")
    links = _stored(store, DuplicateDetector().load(store), [
        Document("edited", EDITED, published="2024-05-02"),
        Document("re-edited", RE_EDITED, published="2024-05-03"),
    ])
    assert {(d.document_id, d.origin_id) for d in links} == {("re-edited", "edited")}
    # a later run (a new process: nothing in memory) finds the agency original, published earlier: the whole group
    # now points to it, read from the store's band index and links
    later = DuplicateDetector().load(store)
    links = _stored(store, later, [Document("agency", AGENCY, published="2024-05-01")])
    assert {(d.document_id, d.origin_id) for d in links} == {("edited", "agency"), ("re-edited", "agency")}
    assert later.origin_of("re-edited") == "agency"
    assert {(d.document_id, d.origin_id) for d in store.duplicates()} == {("edited", "agency"), ("re-edited", "agency")}


def test_the_band_index_is_built_from_stored_signatures_and_rebuilt_for_other_bands(tmp_path: Path) -> None:
    # a store whose signatures were written without band keys (before schema 6): the first load indexes them
    store = open_store(tmp_path / "c.db")
    memory = DuplicateDetector()
    store.add_documents([Document("agency", AGENCY, published="2024-05-01")])
    store.save_signatures(memory.process([Document("agency", AGENCY, published="2024-05-01")])[1])
    may = week_of("2024-05-01")
    stored = [stored_key(may, key) for key in memory.band_keys(memory.signature(AGENCY).hashvalues)]
    assert store.band_matches(stored) == []
    detector = DuplicateDetector().load(store)
    assert sorted(store.band_matches(stored + [12345])) == sorted((key, "agency") for key in set(stored))
    assert store.band_matches(stored_key(week, key) for week in (may - 1, may + 1, UNDATED)
                              for key in detector.band_keys(detector.signature(AGENCY).hashvalues)) == []
    links = _stored(store, detector, [Document("edited", EDITED, published="2024-05-02")])
    assert [(d.document_id, d.origin_id) for d in links] == [("edited", "agency")]
    # another threshold means other bands (0.5: 25x5; 0.4: 32x4): the index is rebuilt, and the copy is still found through it
    strict = DuplicateDetector(threshold=0.4).load(store)
    assert strict.bands != detector.bands and store.state("minhash_bands") == "{}x{} by week".format(*strict.bands)
    links = _stored(store, strict, [Document("re-edited", RE_EDITED, published="2024-05-03")])
    assert [(d.document_id, d.origin_id) for d in links] == [("re-edited", "agency")]


def test_band_index_candidates_and_similarities_are_those_of_datasketch_lsh() -> None:
    import random

    from datasketch import MinHashLSH

    rng = random.Random(7)
    words = [f"w{i}" for i in range(60)]
    base = [" ".join(rng.choice(words) for _ in range(40)) for _ in range(8)]
    texts = [t if k == 0 else " ".join(w if rng.random() > 0.04 * k else rng.choice(words) for w in t.split())
             for t in base for k in range(4)]  # originals and ever more edited versions of them
    detector = DuplicateDetector()
    lsh = MinHashLSH(threshold=detector.threshold, num_perm=detector.num_perm)
    assert (lsh.b, lsh.r) == detector.bands
    narrow = MinHashLSH(threshold=0.5, num_perm=64)
    assert DuplicateDetector(num_perm=64).bands == (narrow.b, narrow.r) != detector.bands
    signatures, found, linked = {}, 0, 0
    for i, text in enumerate(texts):
        minhash = detector.signature(text)
        values = minhash.hashvalues.astype("uint64")
        expected = set(lsh.query(minhash))
        kept = [key % 2**BAND_BITS for key in detector.band_keys(values)]  # the bits a stored key keeps
        assert set(detector._candidates(kept, detector.weeks_near(week_of("2024-05-15")))) == expected
        found += bool(expected)
        links, _ = detector.process([Document(f"d{i}", text, published=f"2024-05-{i % 28 + 1:02d}")])
        for link in links:
            assert link.similarity == signatures.get(link.origin_id, minhash).jaccard(
                signatures.get(link.document_id, minhash)) >= detector.threshold
        lsh.insert(f"d{i}", minhash)
        signatures[f"d{i}"] = minhash
        linked += len(links)
    assert found >= 8 and linked >= 8  # edited versions met their originals
    assert len(detector._postings) > 0 and sum(map(len, detector._postings.values())) == len(texts) * detector.bands[0]


def test_a_document_already_indexed_is_refused() -> None:
    import pytest

    detector = DuplicateDetector()
    detector.process([Document("agency", AGENCY, published="2024-05-01")])
    with pytest.raises(ValueError, match="agency"):
        detector.process([Document("agency", EDITED, published="2024-05-02")])


def _fixed_signatures(detector: DuplicateDetector, table: dict[str, list[int]]) -> None:
    """Make ``detector`` sign each text with the hash values ``table`` gives it (exact similarities)."""
    import numpy as np
    from datasketch import MinHash

    detector.signature = lambda text: MinHash(  # type: ignore[method-assign]
        num_perm=detector.num_perm, hashvalues=np.asarray(table[text], dtype=np.uint64), scheme=detector._scheme)


def test_group_decisions_with_exact_similarities() -> None:
    base = list(range(1000, 1128))
    half = base[:64] + list(range(5000, 5064))  # shares bands 1-12 with base, similarity exactly 0.5
    under = base[:63] + list(range(6000, 6065))  # 63 of 128: 0.492, under the threshold
    close = base[:96] + list(range(7000, 7032))  # 0.75 with base, 0.5 with half
    detector = DuplicateDetector()
    _fixed_signatures(detector, {"base": base, "half": half, "under": under, "close": close})

    links, _ = detector.process([Document("o", "base", published="2024-05-02"), Document("h", "half", published="2024-05-03"),
                                 Document("u", "under", published="2024-05-03")])
    assert [(d.document_id, d.origin_id, d.similarity) for d in links] == [("h", "o", 0.5)]  # 0.5 is a copy, 0.492 not
    # an earlier copy takes the whole group over: every member's link, with its own similarity to the new origin
    links, _ = detector.process([Document("e", "close", published="2024-05-01")])
    assert sorted((d.document_id, d.origin_id, d.similarity) for d in links) == [("h", "e", 0.5), ("o", "e", 0.75)]
    assert {detector.origin_of(x) for x in ("o", "h", "e")} == {"e"} and detector.origin_of("u") == "u"
    # and again: the group now led by "e" goes over to an even earlier one, members included
    links, _ = detector.process([Document("f", "base", published="2024-04-30")])
    assert sorted((d.document_id, d.origin_id) for d in links) == [("e", "f"), ("h", "f"), ("o", "f")]


def test_same_day_copies_are_ordered_by_id() -> None:
    base = list(range(1000, 1128))
    detector = DuplicateDetector()
    _fixed_signatures(detector, {"one": base, "two": base[:100] + list(range(9000, 9028))})
    links, _ = detector.process([Document("b", "one", published="2024-05-01"), Document("a", "two", published="2024-05-01")])
    assert [(d.document_id, d.origin_id) for d in links] == [("b", "a")]  # same day: the smaller id is the origin
    detector = DuplicateDetector()
    _fixed_signatures(detector, {"one": base, "two": base[:100] + list(range(9000, 9028))})
    links, _ = detector.process([Document("a", "one", published="2024-05-01"), Document("b", "two", published="2024-05-01")])
    assert [(d.document_id, d.origin_id) for d in links] == [("b", "a")]


def test_a_stored_signature_of_another_length_is_no_candidate(tmp_path: Path) -> None:
    store = open_store(tmp_path / "s.db")
    detector = DuplicateDetector().load(store)
    first = [Document("agency", AGENCY, published="2024-05-01")]
    _stored(store, detector, first)
    other = DuplicateDetector(num_perm=64)
    odd = Document("odd", AGENCY + " (repost)", published="2024-04-01")  # an earlier copy, signed with 64 permutations
    store.add_documents([odd])
    store.save_signatures(other.process([odd])[1])
    store.add_bands((stored_key(week_of("2024-04-01"), key), "odd")
                    for key in detector.band_keys(detector.signature(AGENCY).hashvalues))
    links = _stored(store, DuplicateDetector().load(store), [Document("edited", EDITED, published="2024-05-02")])
    assert [(d.document_id, d.origin_id) for d in links] == [("edited", "agency")]


def test_loading_indexes_every_stored_signature_without_bands(tmp_path: Path) -> None:
    store = open_store(tmp_path / "b.db")
    memory = DuplicateDetector()
    docs = [Document("agency", AGENCY, published="2024-05-01"), Document("other", "A completely different text about"
                                                                          " the harvest in the north.", published="2024-05-01")]
    store.add_documents(docs)
    store.save_signatures(memory.process(docs)[1])
    may = week_of("2024-05-01")
    assert store.band_matches(stored_key(may, k) for d in docs for k in memory.band_keys(memory.signature(d.text).hashvalues)) == []
    DuplicateDetector().load(store)
    for doc in docs:
        keys = [stored_key(may, key) for key in memory.band_keys(memory.signature(doc.text).hashvalues)]
        assert {doc_id for _, doc_id in store.band_matches(keys)} == {doc.id}


def test_weeks_run_monday_to_sunday_and_undated_is_its_own() -> None:
    assert week_of("2024-05-06") == week_of("2024-05-12") == week_of("2024-05-05") + 1  # Monday, Sunday; Sunday before
    assert week_of("2024-05-06T23:30:00+05:30") == week_of("Mon, 06 May 2024 10:00:00 GMT") == week_of("2024-05-06")
    assert week_of(None) == week_of("") == week_of("not a date") == week_of("2024-02-30") == UNDATED
    assert DuplicateDetector(window_weeks=2).weeks_near(100) == {98, 99, 100, 101, 102, UNDATED}
    detector = DuplicateDetector(window_weeks=1)
    detector.today = lambda: date(2024, 5, 8)
    assert detector.weeks_near(UNDATED) == {week_of("2024-04-29"), week_of("2024-05-06"), week_of("2024-05-13"), UNDATED}


COPY_DATES = [("2024-05-29", True),   # 28 days later: always in the window
              ("2024-06-02", True),   # 32 days, but four calendar weeks later (Wednesday 1 May to Sunday 2 June)
              ("2024-06-03", False)]  # 33 days: the Monday five weeks later


def test_a_copy_is_linked_within_the_window_in_either_order_with_or_without_a_store(tmp_path: Path) -> None:
    import pytest

    for i, (published, linked) in enumerate(COPY_DATES):
        for copy_first in (False, True):
            docs = [Document("agency", AGENCY, published="2024-05-01"), Document("edited", EDITED, published=published)]
            docs = docs[::-1] if copy_first else docs
            store = open_store(tmp_path / f"w{i}{copy_first}.db")
            stored = [_stored(store, DuplicateDetector().load(store), [doc]) for doc in docs][1]
            memory = DuplicateDetector()
            in_memory = [memory.process([doc])[0] for doc in docs][1]
            for links in (stored, in_memory):
                assert bool(links) is linked, (published, copy_first)
    with pytest.raises(ValueError, match="window_weeks"):
        DuplicateDetector(window_weeks=-1)


def test_an_undated_article_meets_undated_ones_and_those_of_its_days(tmp_path: Path) -> None:
    for i, (seen, dated_found) in enumerate((("2024-05-08", True), ("2024-07-08", False))):
        store = open_store(tmp_path / f"u{i}.db")
        for detector in (DuplicateDetector().load(store), DuplicateDetector()):
            detector.today = lambda: date.fromisoformat(seen)
            add = (lambda docs: _stored(store, detector, docs)) if detector._store else (lambda docs: detector.process(docs)[0])
            add([Document("agency", AGENCY, published="2024-05-01"), Document("other", OWN_REPORT)])
            links = add([Document("edited", EDITED), Document("again", OWN_REPORT + " Again.")])
            # both undated: the smaller id is the origin
            assert {(d.document_id, d.origin_id) for d in links} == {("other", "again")} | (
                {("edited", "agency")} if dated_found else set())


def test_a_narrower_window_misses_what_a_wider_one_links() -> None:
    for weeks, linked in ((0, False), (1, True)):
        detector = DuplicateDetector(window_weeks=weeks)
        detector.process([Document("agency", AGENCY, published="2024-05-05")])  # a Sunday
        links, _ = detector.process([Document("edited", EDITED, published="2024-05-06")])  # the next day, next week
        assert bool(links) is linked
