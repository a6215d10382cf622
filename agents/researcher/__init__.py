"""The researcher stage: searches, reads the sources and cuts them into passages."""
