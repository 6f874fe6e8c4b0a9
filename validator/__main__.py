"""``python -m validator`` runs the command line."""

from validator.cli import main

main(prog_name="gitops-validator")
