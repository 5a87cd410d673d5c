"""``bt.read_table``: a learner's CSV read with the size checked before parsing, plain-words errors."""
from __future__ import annotations

import pandas as pd
import pytest

import blupteach as bt


def test_reads_bytes_and_paths_alike(tmp_path):
    text = b"y,g\n1.5,a\n2.5,b\n"
    path = tmp_path / "t.csv"
    path.write_bytes(text)
    a, b = bt.read_table(text), bt.read_table(path)
    pd.testing.assert_frame_equal(a, b)
    assert a["y"].tolist() == [1.5, 2.5] and a["g"].tolist() == ["a", "b"]
    assert bt.read_table(memoryview(text)).shape == (2, 2)


def test_size_is_checked_before_parsing(tmp_path, monkeypatch):
    path = tmp_path / "big.csv"
    path.write_bytes(b"y,g\n" + b"1,a\n" * 100)                    # 404 bytes
    called = []
    monkeypatch.setattr(pd, "read_csv", lambda *a, **k: called.append(1))
    with pytest.raises(ValueError, match=r"404 bytes, more than the 400 bytes.*random sample of groups"):
        bt.read_table(path, max_bytes=400)
    with pytest.raises(ValueError, match="the upload is 404 bytes"):
        bt.read_table(path.read_bytes(), max_bytes=400)
    assert called == [], "nothing may be parsed when the file is too large"
    assert bt.MAX_BYTES == 200_000_000


@pytest.mark.parametrize("content, words", [
    (b"", "empty"),
    (b"y;g\n1;a\n2;b\n", "1 column"),
    (b"y,g\n", "no rows"),
    (b"\xff\xfe\x00\x81,\x00\n\x81\x82,\x83\n", "could not be read as a CSV"),
])
def test_bad_files_say_what_is_wrong(content, words):
    with pytest.raises(ValueError, match=words):
        bt.read_table(content, name="mine.csv")


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="no file at"):
        bt.read_table(tmp_path / "missing.csv")
    with pytest.raises(ValueError, match="source must be a path or the bytes"):
        bt.read_table(pd.DataFrame({"a": [1]}))
    with pytest.raises(ValueError, match="max_bytes must be a whole number"):
        bt.read_table(b"a,b\n1,2\n", max_bytes=0)
