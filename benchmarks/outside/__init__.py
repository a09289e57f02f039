"""The outside yardstick (``benchmarks/outside_runs.py``): recipes written without reading gapdoctor's checks."""
