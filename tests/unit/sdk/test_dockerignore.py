""".dockerignore rules; the cases are moby patternmatcher's own, as a table."""

from __future__ import annotations

import pytest

from dockersdk.dockerignore import PatternMatcher, go_clean, read_patterns
from dockersdk.params import InvalidArgument

# (pattern, path, exact match, match counting parent directories)
SINGLE = [
    ("**", "file", True, True),
    ("**", "file/", True, True),
    ("**/", "file", True, True),
    ("**/", "file/", True, True),
    ("**", "/", True, True),
    ("**/", "/", True, True),
    ("**", "dir/file", True, True),
    ("**/", "dir/file", True, True),
    ("**", "dir/file/", True, True),
    ("**/", "dir/file/", True, True),
    ("**/**", "dir/file", True, True),
    ("**/**", "dir/file/", True, True),
    ("dir/**", "dir/file", True, True),
    ("dir/**", "dir/file/", True, True),
    ("dir/**", "dir/dir2/file", True, True),
    ("dir/**", "dir/dir2/file/", True, True),
    ("**/dir", "dir", True, True),
    ("**/dir", "dir/file", False, True),
    ("**/dir2/*", "dir/dir2/file", True, True),
    ("**/dir2/*", "dir/dir2/file/", False, True),
    ("**/dir2/**", "dir/dir2/dir3/file", True, True),
    ("**/dir2/**", "dir/dir2/dir3/file/", True, True),
    ("**file", "file", True, True),
    ("**file", "dir/file", True, True),
    ("**/file", "dir/file", True, True),
    ("**file", "dir/dir/file", True, True),
    ("**/file", "dir/dir/file", True, True),
    ("**/file*", "dir/dir/file", True, True),
    ("**/file*", "dir/dir/file.txt", True, True),
    ("**/file*txt", "dir/dir/file.txt", True, True),
    ("**/file*.txt", "dir/dir/file.txt", True, True),
    ("**/file*.txt*", "dir/dir/file.txt", True, True),
    ("**/**/*.txt", "dir/dir/file.txt", True, True),
    ("**/**/*.txt2", "dir/dir/file.txt", False, False),
    ("**/*.txt", "file.txt", True, True),
    ("**/**/*.txt", "file.txt", True, True),
    ("a**/*.txt", "a/file.txt", True, True),
    ("a**/*.txt", "a/dir/file.txt", True, True),
    ("a**/*.txt", "a/dir/dir/file.txt", True, True),
    ("a/*.txt", "a/dir/file.txt", False, False),
    ("a/*.txt", "a/file.txt", True, True),
    ("a/*.txt**", "a/file.txt", True, True),
    ("a[b-d]e", "ae", False, False),
    ("a[b-d]e", "ace", True, True),
    ("a[b-d]e", "aae", False, False),
    ("a[^b-d]e", "aze", True, True),
    (".*", ".foo", True, True),
    (".*", "foo", False, False),
    ("abc.def", "abcdef", False, False),
    ("abc.def", "abc.def", True, True),
    ("abc.def", "abcZdef", False, False),
    ("abc?def", "abcZdef", True, True),
    ("abc?def", "abcdef", False, False),
    ("**/foo/bar", "foo/bar", True, True),
    ("**/foo/bar", "dir/foo/bar", True, True),
    ("**/foo/bar", "dir/dir2/foo/bar", True, True),
    ("abc/**", "abc", False, False),
    ("abc/**", "abc/def", True, True),
    ("abc/**", "abc/def/ghi", True, True),
    ("**/.foo", ".foo", True, True),
    ("**/.foo", "bar.foo", False, False),
    ("a(b)c/def", "a(b)c/def", True, True),
    ("a(b)c/def", "a(b)c/xyz", False, False),
    ("a.|)$(}+{bc", "a.|)$(}+{bc", True, True),
    ("dist/*.whl", "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", True, True),
    ("a\\\\", "a\\", True, True),
    ("a\\*b", "a*b", True, True),
    ("docs", "docs/README.md", False, True),
    ("*", "fileutils.go", True, True),
    ("*.go", "fileutils.go", True, True),
]


@pytest.mark.parametrize(("pattern", "path", "exact", "with_parents"), SINGLE)
def test_single_pattern(pattern: str, path: str, exact: bool, with_parents: bool) -> None:
    matcher = PatternMatcher([pattern])
    assert matcher.matches_exact(path) is exact
    assert matcher.matches(path) is with_parents


# Go's filepath.Match cases as patternmatcher runs them: (pattern, path, matches)
GO_MATCH = [
    ("abc", "abc", True),
    ("*", "abc", True),
    ("*c", "abc", True),
    ("a*", "a", True),
    ("a*", "abc", True),
    ("a*", "ab/c", True),  # the parent "ab" matches
    ("a*/b", "abc/b", True),
    ("a*/b", "a/c/b", False),
    ("a*b*c*d*e*/f", "axbxcxdxe/f", True),
    ("a*b*c*d*e*/f", "axbxcxdxexxx/f", True),
    ("a*b*c*d*e*/f", "axbxcxdxe/xxx/f", False),
    ("a*b*c*d*e*/f", "axbxcxdxexxx/fff", False),
    ("a*b?c*x", "abxbbxdbxebxczzx", True),
    ("a*b?c*x", "abxbbxdbxebxczzy", False),
    ("ab[c]", "abc", True),
    ("ab[b-d]", "abc", True),
    ("ab[e-g]", "abc", False),
    ("ab[^c]", "abc", False),
    ("ab[^b-d]", "abc", False),
    ("ab[^e-g]", "abc", True),
    ("a\\*b", "ab", False),
    ("a?b", "a\u263ab", True),
    ("a[^a]b", "a\u263ab", True),
    ("a???b", "a\u263ab", False),
    ("a[^a][^a][^a]b", "a\u263ab", False),
    ("[a-\u03b6]*", "\u03b1", True),
    ("*[a-\u03b6]", "A", False),
    ("a?b", "a/b", False),
    ("a*b", "a/b", False),
    ("[\\]a]", "]", True),
    ("[\\-]", "-", True),
    ("[x\\-]", "x", True),
    ("[x\\-]", "-", True),
    ("[x\\-]", "z", False),
    ("[\\-x]", "x", True),
    ("[\\-x]", "-", True),
    ("[\\-x]", "a", False),
    ("*x", "xxx", True),
]


@pytest.mark.parametrize(("pattern", "path", "expected"), GO_MATCH)
def test_go_match_cases(pattern: str, path: str, expected: bool) -> None:
    assert PatternMatcher([pattern]).matches(path) is expected


@pytest.mark.parametrize(
    "pattern",
    ["[]a]", "[-]", "[x-]", "[-x]", "\\", "[a-b-c]", "[", "[^", "[^bc", "a[", "!", "  !  "],
)
def test_bad_patterns(pattern: str) -> None:
    with pytest.raises(InvalidArgument):
        PatternMatcher([pattern])


@pytest.mark.parametrize(
    ("patterns", "path", "expected"),
    [
        (["**", "!util/docker/web"], "util/docker/web/foo", False),
        (["**", "!util/docker/web", "util/docker/web/foo"], "util/docker/web/foo", True),
        (["**", "!dist/*.whl"], "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", False),
        (["!fileutils.go", "*.go"], "fileutils.go", True),
        (["*.go", "!fileutils.go"], "fileutils.go", False),
        (["docs", "!docs/README.md"], "docs/README.md", False),
        (["docs/", "!docs/README.md"], "docs/README.md", False),
        (["docs/*", "!docs/README.md"], "docs/README.md", False),
        (["docs/*", "!docs/README.md"], "docs/other.md", True),
        (["*.go"], ".", False),
        ([], "any/path/there", False),
        (["docs", "config", ""], "config", True),
    ],
)
def test_pattern_lists(patterns: list[str], path: str, expected: bool) -> None:
    assert PatternMatcher(patterns).matches(path) is expected


def test_exclusions_flag_and_whitespace() -> None:
    assert PatternMatcher(["docs", "  !docs/README.md"]).has_exclusions
    assert PatternMatcher(["docs", "!docs/README.md  "]).has_exclusions
    assert not PatternMatcher(["docs", "config"]).has_exclusions


def test_may_match_inside() -> None:
    matcher = PatternMatcher(["docs", "!docs/keep/this.md", "build"])
    assert matcher.may_match_inside("docs")
    assert matcher.may_match_inside("docs/keep")
    assert not matcher.may_match_inside("build")


def test_read_patterns() -> None:
    text = (
        "\ufeff# comment\n"
        "\n"
        "   \n"
        "/abs/path\n"
        "./rel/../other/\n"
        "  spaced  \n"
        "! negated\n"
        "!/rooted\n"
        " # not a comment once indented\n"
        "dir//sub\n"
        "/\n"
    )
    assert read_patterns(text) == [
        "abs/path",
        "other",
        "spaced",
        "!negated",
        "!rooted",
        "# not a comment once indented",
        "dir/sub",
        "/",
    ]


@pytest.mark.parametrize(
    ("path", "cleaned"),
    [
        ("", "."),
        ("//a//b/", "/a/b"),
        ("a/../..", ".."),
        ("/..", "/"),
        ("./a/./b", "a/b"),
        ("a/b/../c", "a/c"),
    ],
)
def test_go_clean(path: str, cleaned: str) -> None:
    assert go_clean(path) == cleaned
