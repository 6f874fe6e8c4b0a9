"""JSON objects shaped like GitHub's responses (the required fields of the OpenAPI schemas).

PyGithub follows the ``url`` fields it is given, so every object carries URLs on the test
server; the response-shape test checks these builders against the contract's schemas.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from tests.support.github_api.gitdata import ChangedFile, Commit, node_id
from tests.support.github_api.state import JSON, PullRequest, Repository, ServerState

WEB = "https://github.test"


def now() -> str:
    """The current time as GitHub writes it."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _stable_id(text: str) -> int:
    return int(hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()[:7], 16)


def user(state: ServerState, login: str, *, bot: bool | None = None) -> JSON:
    """A ``simple-user``."""
    api = f"{state.base_url}/users/{login}"
    return {
        "login": login, "id": _stable_id(login), "node_id": node_id("U", login),
        "avatar_url": f"{WEB}/avatars/{login}", "gravatar_id": "", "url": api, "html_url": f"{WEB}/{login}",
        "followers_url": f"{api}/followers", "following_url": f"{api}/following{{/other_user}}",
        "gists_url": f"{api}/gists{{/gist_id}}", "starred_url": f"{api}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{api}/subscriptions", "organizations_url": f"{api}/orgs",
        "repos_url": f"{api}/repos", "events_url": f"{api}/events{{/privacy}}",
        "received_events_url": f"{api}/received_events",
        "type": "Bot" if (bot if bot is not None else login.endswith("[bot]")) else "User",
        "site_admin": False,
    }


_REPO_URLS = {
    "archive": "/{archive_format}{/ref}", "assignees": "/assignees{/user}", "blobs": "/git/blobs{/sha}",
    "branches": "/branches{/branch}", "collaborators": "/collaborators{/collaborator}",
    "comments": "/comments{/number}", "commits": "/commits{/sha}", "compare": "/compare/{base}...{head}",
    "contents": "/contents/{+path}", "contributors": "/contributors", "deployments": "/deployments",
    "downloads": "/downloads", "events": "/events", "forks": "/forks", "git_commits": "/git/commits{/sha}",
    "git_refs": "/git/refs{/sha}", "git_tags": "/git/tags{/sha}", "hooks": "/hooks",
    "issue_comment": "/issues/comments{/number}", "issue_events": "/issues/events{/number}",
    "issues": "/issues{/number}", "keys": "/keys{/key_id}", "labels": "/labels{/name}",
    "languages": "/languages", "merges": "/merges", "milestones": "/milestones{/number}",
    "notifications": "/notifications{?since,all,participating}", "pulls": "/pulls{/number}",
    "releases": "/releases{/id}", "stargazers": "/stargazers", "statuses": "/statuses/{sha}",
    "subscribers": "/subscribers", "subscription": "/subscription", "tags": "/tags", "teams": "/teams",
    "trees": "/git/trees{/sha}",
}


def repository(state: ServerState, repo: Repository, *, full: bool = True) -> JSON:
    """A ``full-repository`` (``repository`` inside pull requests when not ``full``)."""
    url = state.repo_url(repo)
    html = f"{WEB}/{repo.full_name}"
    shaped: JSON = {
        "id": repo.id, "node_id": node_id("R", repo.full_name), "name": repo.name,
        "full_name": repo.full_name, "owner": user(state, repo.owner, bot=False), "private": False,
        "html_url": html, "description": None, "fork": False, "url": url, "homepage": None, "language": None,
        "default_branch": repo.default_branch, "visibility": "public", "archived": False, "disabled": False,
        "permissions": {"admin": False, "maintain": False, "push": True, "triage": True, "pull": True},
        "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
        "pushed_at": "2026-01-01T00:00:00Z", "license": None, "mirror_url": None, "size": 1,
        "clone_url": f"{state.root_url}/git/{repo.full_name}.git" if state.root_url else f"{html}.git",
        "git_url": f"git://github.test/{repo.full_name}.git",
        "ssh_url": f"git@github.test:{repo.full_name}.git", "svn_url": html,
        "forks": 0, "forks_count": 0, "stargazers_count": 0, "watchers": 0, "watchers_count": 0,
        "open_issues": 0, "open_issues_count": 0, "has_issues": True, "has_projects": False,
        "has_wiki": False, "has_pages": False, "has_downloads": False, "has_discussions": False,
        **{f"{name}_url": url + suffix for name, suffix in _REPO_URLS.items()},
    }
    if full:
        shaped.update(network_count=0, subscribers_count=0)
    return shaped


def pull_request(state: ServerState, repo: Repository, pr: PullRequest) -> JSON:
    """A ``pull-request``."""
    url = f"{state.repo_url(repo)}/pulls/{pr.number}"
    head_repo = repository(state, repo, full=False)

    def branch(ref: str, sha: str) -> JSON:
        return {"label": f"{repo.owner}:{ref}", "ref": ref, "sha": sha,
                "user": user(state, repo.owner, bot=False), "repo": head_repo}

    files = pr.data.files
    return {
        "id": pr.id, "node_id": node_id("PR", pr.id), "number": pr.number, "url": url,
        "html_url": f"{WEB}/{repo.full_name}/pull/{pr.number}", "state": pr.state, "locked": False,
        "title": pr.title, "body": None, "user": user(state, pr.user, bot=False), "draft": pr.draft,
        "head": branch(pr.head_ref, pr.head_sha), "base": branch(pr.base_ref, pr.base_sha),
        "merged": False, "mergeable": True, "mergeable_state": "clean", "rebaseable": True,
        "merge_commit_sha": None,
        "commits": len(pr.data.commits), "changed_files": len(files),
        "additions": sum(f.additions for f in files), "deletions": sum(f.deletions for f in files),
        "comments": 0, "review_comments": 0, "maintainer_can_modify": False,
        "author_association": "CONTRIBUTOR", "auto_merge": None, "active_lock_reason": None,
        "created_at": "2026-01-01T00:00:00Z", "updated_at": now(), "closed_at": None, "merged_at": None,
        "issue_url": f"{state.repo_url(repo)}/issues/{pr.number}",
        "comments_url": f"{state.repo_url(repo)}/issues/{pr.number}/comments",
        "review_comments_url": f"{url}/comments", "commits_url": f"{url}/commits",
        "review_comment_url": f"{state.repo_url(repo)}/pulls/comments{{/number}}",
        "statuses_url": f"{state.repo_url(repo)}/statuses/{pr.head_sha}",
        "diff_url": f"{WEB}/{repo.full_name}/pull/{pr.number}.diff",
        "patch_url": f"{WEB}/{repo.full_name}/pull/{pr.number}.patch",
        "assignee": None, "assignees": [], "requested_reviewers": [], "requested_teams": [],
        "labels": [], "milestone": None, "merged_by": None,
        "_links": {**_links(url, f"{WEB}/{repo.full_name}/pull/{pr.number}"),
                   "issue": {"href": f"{state.repo_url(repo)}/issues/{pr.number}"},
                   "comments": {"href": f"{state.repo_url(repo)}/issues/{pr.number}/comments"},
                   "review_comments": {"href": f"{url}/comments"},
                   "review_comment": {"href": f"{state.repo_url(repo)}/pulls/comments{{/number}}"},
                   "commits": {"href": f"{url}/commits"},
                   "statuses": {"href": f"{state.repo_url(repo)}/statuses/{pr.head_sha}"}},
    }


_NOT_IN_SIMPLE = ("merged", "mergeable", "mergeable_state", "rebaseable", "commits", "changed_files",
                  "additions", "deletions", "comments", "review_comments", "maintainer_can_modify",
                  "merged_by")


def pull_request_simple(state: ServerState, repo: Repository, pr: PullRequest) -> JSON:
    """A ``pull-request-simple`` (the items of ``GET /repos/{o}/{r}/pulls``)."""
    full = pull_request(state, repo, pr)
    return {key: value for key, value in full.items() if key not in _NOT_IN_SIMPLE}


def changed_file(repo: Repository, file: ChangedFile, head_sha: str) -> JSON:
    """A ``diff-entry``."""
    entry: JSON = {
        "sha": file.sha, "filename": file.filename, "status": file.status,
        "additions": file.additions, "deletions": file.deletions, "changes": file.additions + file.deletions,
        "blob_url": f"{WEB}/{repo.full_name}/blob/{head_sha}/{file.filename}",
        "raw_url": f"{WEB}/{repo.full_name}/raw/{head_sha}/{file.filename}",
        "contents_url": f"{WEB}/{repo.full_name}/contents/{file.filename}?ref={head_sha}",
    }
    if file.patch is not None:
        entry["patch"] = file.patch
    if file.previous_filename is not None:
        entry["previous_filename"] = file.previous_filename
    return entry


def commit(state: ServerState, repo: Repository, item: Commit) -> JSON:
    """A ``commit`` of a pull request or comparison."""
    url = f"{state.repo_url(repo)}/commits/{item.sha}"

    def person(who: tuple[str, str, str]) -> JSON:
        return {"name": who[0], "email": who[1], "date": who[2]}

    return {
        "sha": item.sha, "node_id": node_id("C", item.sha), "url": url,
        "html_url": f"{WEB}/{repo.full_name}/commit/{item.sha}", "comments_url": f"{url}/comments",
        "commit": {"url": f"{state.repo_url(repo)}/git/commits/{item.sha}", "author": person(item.author),
                   "committer": person(item.committer), "message": item.message, "comment_count": 0,
                   "tree": {"sha": item.tree, "url": f"{state.repo_url(repo)}/git/trees/{item.tree}"}},
        "author": None, "committer": None,
        "parents": [{"sha": p, "url": f"{state.repo_url(repo)}/commits/{p}",
                     "html_url": f"{WEB}/{repo.full_name}/commit/{p}"} for p in item.parents],
    }


def _links(api: str, html: str) -> JSON:
    return {"self": {"href": api}, "html": {"href": html}}


def links(api: str, html: str, pull_request_url: str) -> JSON:
    """``_links`` of reviews and review comments."""
    return {**_links(api, html), "pull_request": {"href": pull_request_url}}
