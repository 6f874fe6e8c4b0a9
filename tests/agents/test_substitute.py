"""Flux's post-build substitution dialect (fluxcd/pkg/envsubst, forked from drone/envsubst).

Each case is the behaviour the drone/envsubst README and Flux's docs document, and, where
they are silent, what the fork's parser and functions do (its ``parse.go``/``funcs.go``):
only ``${...}`` is substituted (``$var`` is left alone, the documented way to keep a
shell variable), ``$$`` prints one ``$``, every default operator falls back when the value
is empty, patterns are Go ``path.Match`` globs.
"""

from __future__ import annotations

import sys
import tracemalloc

import pytest

from validator.agents.substitute import MAX_EXPANDED, SubstitutionError, expand, go_path_match
from validator.errors import CommandError
from validator.process import run_args

VARS = {"var": "hello world", "path": "/a/b/c.tar.gz", "empty": "", "num": "3",
        "camel": "Hello", "slashes": "a/b/a/b", "name": "web", "dots": "a.b.c"}

CASES = [
    # plain forms
    ("${var}", "hello world"),
    ("x-${name}-y", "x-web-y"),
    ("${name}${name}", "webweb"),
    ("${missing}", ""),
    ("no variables", "no variables"),
    # $var without braces is NOT substituted (Flux docs: use $var to avoid substitution)
    ("$var", "$var"),
    ("echo $name and ${name}", "echo $name and web"),
    ("$", "$"),
    ("a$", "a$"),
    ("price: 5$ each", "price: 5$ each"),
    # $$ prints one $, so $${var} is the escape for a literal ${var}
    ("$${var}", "${var}"),
    ("$$var", "$var"),
    ("a$$b", "a$b"),
    ("$$$", "$$"),
    ("$$${name}", "$web"),
    # defaults: :=, :-, =, :? and :+ all fall back when the value is empty or unset
    ("${missing:=fallback}", "fallback"),
    ("${missing:-fallback}", "fallback"),
    ("${missing=fallback}", "fallback"),
    ("${empty:-fallback}", "fallback"),
    ("${empty=fallback}", "fallback"),
    ("${name:-fallback}", "web"),
    ("${name:=fallback}", "web"),
    ("${missing:?fallback}", "fallback"),
    ("${missing:+fallback}", "fallback"),
    ("${name:+other}", "web"),
    ("${missing:-}", ""),
    ("${missing:-a b:c/d}", "a b:c/d"),
    ("${missing:-${name}}", "web"),
    ("${missing:-x${name}y}", "xweby"),
    ("${missing:-${other:-deep}}", "deep"),
    # substrings (byte offsets, as Go slices)
    ("${var:6}", "world"),
    ("${var:0:5}", "hello"),
    ("${var:6:100}", "world"),
    ("${var:100}", ""),
    ("${var:100:2}", ""),
    ("${var:-5}", "hello world"),  # ":-" is a default, not a negative offset
    ("${var:1:-1}", "ello worl"),
    ("${var:${num}}", "lo world"),
    ("${var:x}", "hello world"),  # an offset that is not a number: the value as it is
    ("${var: 2}", "hello world"),
    # replacement
    ("${slashes/a/x}", "x/b/a/b"),
    ("${slashes//a/x}", "x/b/x/b"),
    ("${slashes/#a/x}", "x/b/a/b"),
    ("${slashes/#b/x}", "a/b/a/b"),
    ("${slashes/%b/x}", "a/b/a/x"),
    ("${slashes/%a/x}", "a/b/a/b"),
    ("${slashes/a/}", "/b/a/b"),
    ("${slashes//a/}", "/b//b"),
    ("${slashes/\\//-}", "a-b/a/b"),
    ("${slashes//\\//-}", "a-b-a-b"),
    ("${name/w/$$}", "$eb"),
    ("${name/e/${num}}", "w3b"),
    ("${name/#/pre-}", "pre-web"),
    ("${name/%/-post}", "web-post"),
    # removal of the shortest / longest matching prefix or suffix (path.Match globs)
    ("${path#*/}", "a/b/c.tar.gz"),
    ("${path##*/}", "a/b/c.tar.gz"),  # '*' does not cross '/': "/" is the longest match too
    ("${dots#*.}", "b.c"),
    ("${dots##*.}", "c"),
    ("${path%.*}", "/a/b/c.tar"),
    ("${path%%.*}", "/a/b/c"),
    ("${path#/a}", "/b/c.tar.gz"),
    ("${path%gz}", "/a/b/c.tar."),
    ("${path%nomatch}", "/a/b/c.tar.gz"),
    ("${name#w?}", "b"),
    ("${name#[a-w]}", "eb"),
    ("${name#[^w]}", "web"),
    ("${name#[}", "web"),  # a bad pattern leaves the value alone
    # case conversion
    ("${camel^}", "Hello"),
    ("${name^}", "Web"),
    ("${name^^}", "WEB"),
    ("${camel,}", "hello"),
    ("${camel,,}", "hello"),
    ("${missing^^}", ""),
    # length
    ("${#var}", "11"),
    ("${#missing}", "0"),
    # whole YAML lines
    ("image: nginx:${num}", "image: nginx:3"),
    ("replicas: ${num:=1}", "replicas: 3"),
]


@pytest.mark.parametrize(("template", "expected"), CASES)
def test_dialect(template: str, expected: str) -> None:
    assert expand(template, VARS).text == expected


@pytest.mark.parametrize("template", [
    "${", "${name", "${}", "${ name}", "${name:}", "${name!}", "${#}", "${name/x}",
    "${name//x}", "${name:-default", "${name#}", "${name^x}",
    "${name-default}",  # listed in drone/envsubst's README, but neither parser accepts it
])
def test_bad_substitution_is_an_error(template: str) -> None:
    with pytest.raises(SubstitutionError):
        expand(template, VARS)


def test_references_and_undefined_variables() -> None:
    result = expand("${name}-${missing}-${gone:-x}-${#absent}-${name:-${inner}}", VARS)
    assert result.used == ("name", "missing", "gone", "absent", "inner", "name")
    # a default operator handles the unset case; every other use of an unset name is undefined
    assert result.undefined == ("missing", "absent", "inner")


def test_go_path_match() -> None:
    assert go_path_match("*.gz", "c.tar.gz")
    assert not go_path_match("*", "a/b")
    assert go_path_match("a?c", "abc")
    assert not go_path_match("a?c", "a/c")
    assert go_path_match("[a-c]x", "bx")
    assert go_path_match("[^a-c]x", "dx")
    assert go_path_match("\\*", "*")
    assert go_path_match("[\\]]", "]")
    for bad in ("[", "[]", "a\\", "[a-", "[^]"):
        with pytest.raises(ValueError, match="bad pattern"):
            go_path_match(bad, "a")


@pytest.mark.parametrize("operator", ["#", "##", "%", "%%"])
def test_a_trim_pattern_of_many_stars_against_a_long_value_finishes(operator: str) -> None:
    """``${v#*a*a*...*b}`` over a long value of ``a``s (both from the change) made a
    backtracking regex try every split, for every prefix length: hours."""
    text = "${v" + operator + "*a" * 20 + "*b}"
    code = ("from validator.agents.substitute import expand; "
            f"print(expand({text!r}, {{'v': 'a' * 2000}}).text == 'a' * 2000)")
    try:
        result = run_args([sys.executable, "-c", code], timeout=20)
    except CommandError:
        pytest.fail(f"{text} over 2000 characters did not finish in 20 s")
    assert result.stdout.strip() == b"True"


@pytest.mark.parametrize(("text", "value"), [
    ("${v}" * 200, "x" * (1 << 20)),                     # one 1 MiB value, 200 references
    ("${v//a/" + "b" * 20_000 + "}", "a" * 20_000),      # one replace: 400 MB
    ("${u:=" + "${v}" * 200 + "}", "x" * (1 << 20)),     # inside a default
])
def test_substitution_cannot_blow_up_memory(text: str, value: str) -> None:
    """Variables and references both come from the change: the substituted text is bounded
    (``MAX_EXPANDED``) and refused past it, before it is built."""
    tracemalloc.start()
    try:
        with pytest.raises(SubstitutionError, match="larger than"):
            expand(text, {"v": value})
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < MAX_EXPANDED + (8 << 20), f"{peak} bytes held"
