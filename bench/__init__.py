"""Benchmarks: the llama.cpp ceiling vs full drafts (``bench.run``) and draft quality (``bench.quality``)."""
