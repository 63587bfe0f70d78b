"""Pure unit tests: signatures, Retry-After, gzip streaming, line parsing, error texts."""

from __future__ import annotations

import gzip
import io
import random
import zlib
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime

import httpx
import pytest

from app.shoptet import (
    ApiErrorItem,
    BadLine,
    MalformedLine,
    RateLimited,
    RetryPolicy,
    SnapshotCorrupt,
    ValidationError,
    parse_notification,
    sign,
    verify_signature,
)
from app.shoptet.client import _attribute
from app.shoptet.limits import limiter_for, parse_bucket_filling, parse_retry_after
from app.shoptet.snapshots import gunzip_stream, parse_lines, split_lines
from app.shoptet.transport import clean_params

# --------------------------------------------------------------------------- webhooks

VECTOR_KEY = "61d1175f54c47dd67df14c17002a17b2"
VECTOR_BODY = (
    b'{"eshopId":315185,"event":"addon:uninstall","eventCreated":"2019-09-23T22:01:36+0200","eventInstance":"315185"}'
)
VECTOR_SIG = "a0e0a3e7689bd4c80e4d6ffcccb05235b864e1d0"


def test_signature_matches_api_notes_vector():
    assert sign(VECTOR_BODY, VECTOR_KEY) == VECTOR_SIG
    assert verify_signature(VECTOR_BODY, VECTOR_SIG, VECTOR_KEY)
    assert verify_signature(VECTOR_BODY, VECTOR_SIG.upper() + "\n", VECTOR_KEY)


@pytest.mark.parametrize(
    "body,sig,key",
    [
        (VECTOR_BODY + b" ", VECTOR_SIG, VECTOR_KEY),  # re-serialised body
        (VECTOR_BODY, VECTOR_SIG[:-1] + "1", VECTOR_KEY),
        (VECTOR_BODY, VECTOR_SIG, "8a5e881b19ad6cc0bc986587b22e30be"),
        (VECTOR_BODY, None, VECTOR_KEY),
        (VECTOR_BODY, "", VECTOR_KEY),
        (VECTOR_BODY, VECTOR_SIG, ""),
    ],
)
def test_signature_rejects(body, sig, key):
    assert not verify_signature(body, sig, key)


def test_parse_notification():
    ev = parse_notification(VECTOR_BODY)
    assert (ev.eshop_id, ev.event, ev.event_instance) == (315185, "addon:uninstall", "315185")
    with pytest.raises(ValueError):
        parse_notification(b"[1]")


# --------------------------------------------------------------------------- limits


def test_retry_after_seconds_and_http_date():
    now = datetime(2024, 7, 1, 12, 1, 0, tzinfo=UTC).timestamp()
    assert parse_retry_after("3", now) == 3.0
    assert parse_retry_after("Mon, 01 Jul 2024 12:01:11 GMT", now) == pytest.approx(11.0)
    assert parse_retry_after("Mon, 01 Jul 2024 12:00:00 GMT", now) == 0.0  # in the past
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None


def test_bucket_header_and_throttle():
    assert parse_bucket_filling("120/200") == (120.0, 200.0)
    assert parse_bucket_filling("x") is None
    lim = limiter_for("unit-test-throttle")
    assert lim.throttle_delay(0.0) == 0.0  # nothing observed yet
    lim.observe("190/200", now=100.0)
    # 190 drops, high water 150, leak 10/s -> 4 s to wait.
    assert lim.throttle_delay(100.0) == pytest.approx(4.0)
    lim.observe("190/200", now=200.0)
    assert lim.throttle_delay(204.0) == 0.0  # already leaked down to 150


def test_backoff_is_exponential_capped_and_jittered():
    pol = RetryPolicy(backoff_base=1.0, backoff_max=8.0)
    rng = random.Random(7)
    for attempt, cap in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (9, 8.0)]:
        values = {pol.backoff(attempt, rng) for _ in range(20)}
        assert all(cap / 2 <= v <= cap for v in values)
        assert len(values) > 1  # jitter


def test_query_formatting_encodes_plus_offset():
    params = clean_params(
        {
            "changeTimeFrom": datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=1))),
            "include": ["notes", "images"],
            "paid": True,
            "skip": None,
        }
    )
    assert params == {"changeTimeFrom": "2024-01-02T03:04:05+0100", "include": "notes,images", "paid": "true"}
    url = httpx.Request("GET", "http://x/api/orders", params=params).url
    assert "changeTimeFrom=2024-01-02T03%3A04%3A05%2B0100" in str(url)


# --------------------------------------------------------------------------- errors


def test_error_message_is_actionable():
    err = RateLimited(
        status=429,
        request_id="019c-req",
        errors=[ApiErrorItem("too-many-requests", "Slow down.", "unknown")],
        method="GET",
        url="https://api/api/orders",
        retry_after=2.0,
    )
    text = str(err)
    assert "GET https://api/api/orders" in text and "HTTP 429" in text and "too-many-requests" in text
    assert "requestId=019c-req" in text and "3 parallel" in text
    assert err.retryable and err.retry_after == 2.0
    assert not ValidationError("bad").retryable


def test_attribute_errors_to_codes():
    errors = [
        ApiErrorItem("unknown-product", 'Product "A-1" does not exist. Skipped.', "A-1"),
        ApiErrorItem("invalid-request-data", "Orders with codes 2017000040, 2017000041 do not exist.", "data"),
        ApiErrorItem("x", "general", None),
    ]
    failed, other = _attribute(errors, ["A-1", "2017000040", "2017000041", "2017000042", "2017000004"])
    assert set(failed) == {"A-1", "2017000040", "2017000041"}
    assert [e.error_code for e in other] == ["x"]


# --------------------------------------------------------------------------- gzip + lines


def _gz(data: bytes) -> bytes:
    return gzip.compress(data)


def _chunks(data: bytes, size: int = 7):
    return [data[i : i + size] for i in range(0, len(data), size)]


def _decode(data: bytes, size: int = 7, **kw) -> bytes:
    return b"".join(gunzip_stream(_chunks(data, size), **kw))


def test_gunzip_stream_roundtrip_multi_member_and_big_output():
    payload = b"".join(b'{"i":%d}\n' % i for i in range(20000))
    assert _decode(_gz(payload), 333) == payload
    assert _decode(_gz(b"a\n") + _gz(b"b\n"), 3) == b"a\nb\n"
    bomb = b"x" * 3_000_000  # output larger than the per-step cap, from few input bytes
    assert _decode(_gz(bomb), 100_000) == bomb


@pytest.mark.parametrize(
    "damage,needle",
    [
        (lambda d: d[: len(d) // 2], "truncated"),
        (lambda d: d[:-4], "truncated"),  # trailer cut (ISIZE missing)
        (lambda d: d[:-8] + bytes([d[-8] ^ 0xFF]) + d[-7:], "corrupt"),  # CRC flipped
        (lambda d: b"\x00\x01garbage" * 10, "not gzip"),
        (lambda d: b"", "empty"),
        (lambda d: d + b"trailing junk", "garbage after gzip end"),
        (lambda d: d[:40] + b"\xff" * 30 + d[70:], "corrupt"),  # body overwritten
    ],
)
def test_gunzip_stream_detects_damage(damage, needle):
    good = _gz(b"".join(b'{"i":%d,"pad":"%s"}\n' % (i, b"y" * (i % 50)) for i in range(2000)))
    with pytest.raises(SnapshotCorrupt, match=needle):
        _decode(damage(good))


def test_plain_jsonl_only_when_allowed():
    with pytest.raises(SnapshotCorrupt):
        _decode(b'{"a":1}\n')
    assert _decode(b'{"a":1}\n', allow_plain=True) == b'{"a":1}\n'


def test_split_lines_numbers_and_blank_lines():
    chunks = [b'{"a":1}\n\n{"a', b'":2}\n', b'{"a":3}']
    assert list(split_lines(chunks)) == [(1, b'{"a":1}'), (3, b'{"a":2}'), (4, b'{"a":3}')]


def test_malformed_line_raises_with_line_number():
    lines = [(1, b'{"a":1}'), (2, b'{"a":'), (3, b'{"a":3}')]
    it = parse_lines(lines)
    assert next(it).data == {"a": 1}
    with pytest.raises(MalformedLine) as exc:
        next(it)
    assert exc.value.line_no == 2 and exc.value.raw == b'{"a":' and "line 2" in str(exc.value)


def test_bad_lines_can_be_collected_or_yielded():
    lines = [(1, b'{"a":1}'), (2, b"nope"), (3, b"[1,2]"), (4, b'{"a":4}')]
    seen: list[BadLine] = []
    good = [x.data["a"] for x in parse_lines(lines, on_bad_line=seen.append)]
    assert good == [1, 4] and [b.line_no for b in seen] == [2, 3]
    mixed = list(parse_lines(lines, yield_bad_lines=True))
    assert [(x.line_no, x.ok) for x in mixed] == [(1, True), (2, False), (3, False), (4, True)]
    assert "JSON object" in mixed[2].error


def test_stream_is_lazy():
    """Decoding pulls input chunk by chunk instead of reading everything first."""
    data = _gz(b"".join(b'{"i":%d}\n' % i for i in range(50000)))
    pulled = 0

    def source():
        nonlocal pulled
        buf = io.BytesIO(data)
        while chunk := buf.read(1024):
            pulled += 1
            yield chunk

    it = parse_lines(split_lines(gunzip_stream(source())))
    assert next(it).data == {"i": 0}
    assert pulled < 5


def test_zlib_error_is_wrapped():
    raw = zlib.compress(b"x")  # zlib, not gzip framing
    with pytest.raises(SnapshotCorrupt):
        _decode(raw)


def test_http_date_format_roundtrip():
    when = datetime.now(UTC) + timedelta(seconds=5)
    v = parse_retry_after(format_datetime(when, usegmt=True), datetime.now(UTC).timestamp())
    assert 3.5 < v <= 5.0
