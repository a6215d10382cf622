"""The editor stage: tightens the sections that need it, then checks every citation."""
