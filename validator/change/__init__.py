"""The change under review: revisions, changed files and hunks, affected targets, base/head compare.

Value types live in :mod:`validator.change.model`; git access, the affected-target
graph and the new/existing/fixed comparison each have a module of their own.
"""

from validator.change.model import Change, ChangeStatus, FileChange, LineRange

__all__ = ["Change", "ChangeStatus", "FileChange", "LineRange"]
