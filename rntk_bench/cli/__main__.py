"""Allow ``python -m rntk_bench.cli``."""

from rntk_bench.cli import main

main()
