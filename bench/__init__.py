"""Benchmark harness: build a realistic base quickly, serve the real app, load it, report."""
