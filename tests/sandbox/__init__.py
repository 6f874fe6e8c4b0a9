"""The subprocess sandbox: memory bounds, no network, children that die with the run."""
