"""Route handlers by OpenAPI ``operationId``: the contract finds the operation, this table the code.

An operation of the contract without a handler here answers 501 and is recorded as a
violation, so a client reaching for an endpoint the fake does not model fails loudly.
"""

from __future__ import annotations

from tests.support.github_api.exchange import Handler
from tests.support.github_api.routes import apps, checks, comments, contents, pulls, repos, reviews, suites

HANDLERS: dict[str, Handler] = {
    "apps/get-authenticated": apps.get_authenticated,
    "apps/get-repo-installation": apps.get_repo_installation,
    "apps/create-installation-access-token": apps.create_installation_token,
    "apps/list-installations": apps.list_installations,
    "apps/list-repos-accessible-to-installation": apps.list_installation_repositories,
    "repos/get": repos.get,
    "repos/compare-commits": repos.compare,
    "repos/create-commit-status": repos.create_status,
    "repos/list-pull-requests-associated-with-commit": repos.list_pulls_for_commit,
    "repos/get-content": contents.get_content,
    "git/get-tree": contents.get_tree,
    "git/get-blob": contents.get_blob,
    "repos/download-tarball-archive": contents.download_tarball,
    "checks/create": checks.create,
    "checks/update": checks.update,
    "checks/get": checks.get,
    "checks/list-annotations": checks.list_annotations,
    "checks/list-for-ref": checks.list_for_ref,
    "checks/create-suite": suites.create,
    "checks/list-suites-for-ref": suites.list_for_ref,
    "checks/rerequest-suite": suites.rerequest_suite,
    "checks/rerequest-run": suites.rerequest_run,
    "pulls/get": pulls.get,
    "pulls/list": pulls.list_pulls,
    "pulls/list-files": pulls.list_files,
    "pulls/list-commits": pulls.list_commits,
    "pulls/create-review": reviews.create,
    "pulls/list-reviews": reviews.list_reviews,
    "pulls/update-review": reviews.update_review,
    "pulls/dismiss-review": reviews.dismiss_review,
    "pulls/list-review-comments": comments.list_review_comments,
    "pulls/create-review-comment": comments.create_review_comment,
    "pulls/get-review-comment": comments.get_review_comment,
    "pulls/update-review-comment": comments.update_review_comment,
    "pulls/delete-review-comment": comments.delete_review_comment,
    "issues/list-comments": comments.list_issue_comments,
    "issues/create-comment": comments.create_issue_comment,
    "issues/get-comment": comments.get_issue_comment,
    "issues/update-comment": comments.update_issue_comment,
    "issues/delete-comment": comments.delete_issue_comment,
}
