"""The GraphQL documents the publisher sends: review threads of a pull request, and the
mutation that resolves one. The REST API can neither list threads nor resolve them.

The operation names and variables are part of the contract with the test server
(tests/support/github_api), which recognises the documents by them.
"""

from __future__ import annotations

REVIEW_THREADS = """\
query ReviewThreads($owner: String!, $name: String!, $number: Int!, $cursor: String) {
  repository(owner: $owner, name: $name) {
    pullRequest(number: $number) {
      reviewThreads(first: 100, after: $cursor) {
        pageInfo { hasNextPage endCursor }
        nodes { id isResolved comments(first: 1) { nodes { databaseId body } } }
      }
    }
  }
}
"""

RESOLVE_THREAD = """\
mutation ResolveThread($threadId: ID!) {
  resolveReviewThread(input: {threadId: $threadId}) { thread { id isResolved } }
}
"""
