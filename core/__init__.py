"""The bottom layer: schemas, events, results and packaging. Imports nothing of the app above it."""
