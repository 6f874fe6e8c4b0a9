package main

# METADATA
# custom:
#   severity: critical
deny contains "x" if input.kind == "Service"
