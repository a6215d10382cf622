"""The outliner stage: the sections the evidence covers (or, without sources, the model's plan)."""
