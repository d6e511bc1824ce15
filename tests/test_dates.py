"""Publication dates (issue 27, item 1): every form a feed or export writes is read into one ISO form, and anything
else is refused with the reason; ``stored_day`` never raises, whatever a store holds."""

from __future__ import annotations

import logging

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from narrascope.dates import normalise_date, published_or_none, stored_date, stored_day

READ = {
    "Mon, 01 Jan 2024 10:00:00 GMT": "2024-01-01T10:00:00+00:00",  # RFC 822, the form of RSS feeds
    "Tue, 07 May 2024 10:00:00 +0200": "2024-05-07T10:00:00+02:00",
    "7 May 2024 23:30:00 -0500": "2024-05-07T23:30:00-05:00",  # the zone is kept: the day is the publisher's
    "Tue, 07 May 2024 10:00:00 -0000": "2024-05-07T10:00:00",  # RFC 2822: -0000 is an unknown zone
    "2024-03-01": "2024-03-01",
    "2024-03-01T10:00:00Z": "2024-03-01T10:00:00+00:00",
    "2024-03-01T10:00:00.123456+05:30": "2024-03-01T10:00:00+05:30",
    "2024-03-01 10:00": "2024-03-01T10:00:00",
    "2024-03-01 10:00:00 UTC": "2024-03-01T10:00:00+00:00",
    "20240301": "2024-03-01",
    "2024/03/01": "2024-03-01",
    "2024.03.01": "2024-03-01",
    "01.03.2024": "2024-03-01",  # dots: day first
    "13/03/2024": "2024-03-13",
    "03/13/2024": "2024-03-13",
    "1 March 2024": "2024-03-01",
    "1st Mar. 2024": "2024-03-01",
    "March 1, 2024": "2024-03-01",
    "Sept 30 2024": "2024-09-30",
    "  2024-03-01\n": "2024-03-01",
}
REFUSED = {
    "2024-02-30": "not a date", "2024-99-99": "not a date", "0000-01-01": "not a date",
    "99999-01-01": "not a date", "not a date": "not a date", "1899-12-31": "outside the years 1900-2199",
    "2200-01-01": "outside the years 1900-2199", "03/04/2024": "ambiguous", "2024-03-01T25:00": "not a date",
    "": "empty date", "2024": "not a date", "Mon, 32 Jan 2024 10:00:00 GMT": "not a date",
    "Tue, 07 May 99999 10:00:00 GMT": "not a date", "x" * 500: "characters long",
}


@pytest.mark.parametrize("value, expected", READ.items())
def test_every_common_form_is_read_into_one_iso_form(value: str, expected: str) -> None:
    assert normalise_date(value) == expected
    assert normalise_date(expected) == expected  # the stored form reads back unchanged
    assert stored_day(expected) == expected[:10]


@pytest.mark.parametrize("value, reason", REFUSED.items())
def test_impossible_or_out_of_range_dates_are_refused_with_the_reason(value: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        normalise_date(value)


def test_a_bad_date_costs_its_value_with_a_warning_naming_where(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        assert published_or_none("2024-02-30", "rows.jsonl:7") is None
        assert published_or_none(["2024-03-01"], "rows.jsonl:8") is None
        assert published_or_none(10 ** 5000, "rows.jsonl:9") is None
        assert published_or_none(20240301, "rows.jsonl:10") == "2024-03-01"
        assert published_or_none(" ", "rows.jsonl:11") is None and published_or_none(None, "x") is None
    messages = [r.getMessage() for r in caplog.records]
    assert [m.split(":")[1] for m in messages] == ["7", "8", "9"]
    assert "'2024-02-30' is not a date" in messages[0] and "must be a date string, not list" in messages[1]


@pytest.mark.parametrize("stored", ["Mon, 01 Jan 2024 10:00:00 GMT", "2024-02-30", "2024-99-99", "0000-01-01",
                                    "99999-01-01", "not a date", "", None, 20240301, "2024-03-0", "1800-01-01T00:00"])
def test_a_stored_value_that_is_no_real_date_has_no_day(stored: object) -> None:
    assert stored_day(stored) is None and stored_date(stored) is None


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=40), st.from_regex(r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2})?)?(Z|[+-]\d{2}:\d{2})?")))
def test_any_text_is_a_normalised_date_or_a_value_error(value: str) -> None:
    assert stored_day(value) in (None, value[:10])  # never raises
    try:
        normalised = normalise_date(value)
    except ValueError as exc:
        assert str(exc)
        return
    assert stored_day(normalised) == normalised[:10] and normalise_date(normalised) == normalised
