"""The hunk-header parser on patches git really writes, including its quoting of odd names."""

from __future__ import annotations

import os

from validator.change.hunks import commentable_lines, merge_ranges, unquote
from validator.change.model import LineRange

PATCH = b"""\
diff --git a/deleted.yaml b/deleted.yaml
deleted file mode 100644
--- a/deleted.yaml
+++ /dev/null
@@ -1,2 +0,0 @@
-a: 1
-b: 2
diff --git "a/quo\\"te\\303\\251.yaml" "b/quo\\"te\\303\\251.yaml"
--- "a/quo\\"te\\303\\251.yaml"
+++ "b/quo\\"te\\303\\251.yaml"
@@ -1 +1 @@
-a: 1
+a: 2
diff --git a/with space.yaml b/with space.yaml
--- a/with space.yaml\t
+++ b/with space.yaml\t
@@ -5,0 +6,2 @@ context
++++ b/not-a-header.yaml
+@@ -1 +1 @@
@@ -20 +22 @@
-x
+y
\\ No newline at end of file
diff --git a/b/nested.yaml b/b/nested.yaml
--- a/b/nested.yaml
+++ b/b/nested.yaml
@@ -1,3 +1,3 @@
 a
-b
+c
 d
"""


def test_paths_and_ranges_of_a_patch() -> None:
    assert commentable_lines(PATCH) == {
        'quo"te\u00e9.yaml': (LineRange(start=1, end=1),),
        "with space.yaml": (LineRange(start=6, end=7), LineRange(start=22, end=22)),
        "b/nested.yaml": (LineRange(start=1, end=3),),
    }


def test_unquote_octal_and_escapes() -> None:
    assert unquote(b'"b/a\\tb\\n\\\\\\"\\351"') == b'b/a\tb\n\\"\xe9'
    assert os.fsdecode(unquote(b'"\\377"')) == "\udcff"


def test_merge_ranges() -> None:
    ranges = [LineRange(start=10, end=12), LineRange(start=1, end=3), LineRange(start=4, end=5),
              LineRange(start=11, end=20)]
    assert merge_ranges(ranges) == [LineRange(start=1, end=5), LineRange(start=10, end=20)]
