from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pagerdrill.tools.text.xargs import _split_words

from .helpers import make_host, sh


def test_xargs_runs_a_registered_tool() -> None:
    host = make_host({"/tmp/a": b"1\n2\n", "/tmp/b": b"3\n"})
    assert sh(host, "xargs", "wc", "-l", stdin=b"/tmp/a /tmp/b\n").out == (
        "2 /tmp/a\n1 /tmp/b\n3 total\n")


def test_xargs_replace_and_batches() -> None:
    assert sh(make_host(), "xargs", "-I{}", "echo", "<{}>", stdin=b"a\nb\n").out == "<a>\n<b>\n"
    assert sh(make_host(), "xargs", "-n2", stdin=b"1 2 3\n").out == "1 2\n3\n"
    assert sh(make_host(), "xargs", "-0", "echo", stdin=b"a b\0c\0").out == "a b c\n"


def test_xargs_unknown_command() -> None:
    result = sh(make_host(), "xargs", "nosuch", stdin=b"a\n")
    assert (result.err, result.status) == ("xargs: nosuch: No such file or directory\n", 127)


@given(st.text(alphabet=st.sampled_from("ab \t\n\r\x0b\xe9\u2028\x1c")))
def test_word_splitting_without_quotes_takes_the_quick_path_to_the_same_words(
        text: str) -> None:
    # A quoted empty word after a newline sends the same text through the
    # quote-aware loop; only blanks and newlines separate words (not \r or \v).
    assert _split_words(text) == _split_words(text + "\n''")[:-1]
