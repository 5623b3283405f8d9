"""`python -m pipeline` runs the CLI (same as the `policy-themes` console script)."""

from pipeline.cli import main

main()
