"""The writer stage: each section written from its evidence, checked, fixed; revision rounds."""
