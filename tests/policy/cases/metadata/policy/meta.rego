# METADATA
# title: Platform rules
# related_resources:
# - https://example.com/platform
# custom:
#   severity: warning
package main

# No METADATA of its own: the package's applies.
deny_a contains "a" if input.kind == "Service"

# METADATA
# title: Rule B, first body
# custom:
#   id: B-1
deny_b contains "b1" if input.kind == "Service"

# METADATA
# title: Rule B, second body
# custom:
#   id: B-2
deny_b contains "b2" if input.kind == "Service"

# METADATA
# title: Rule C
# custom:
#   id: C-1
#   severity: error
deny_c contains "c1" if input.kind == "Service"

deny_c contains "c2" if input.kind == "Service"
