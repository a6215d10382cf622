"""The text layer the stages share: what happens to a model reply (after_generation), checks,
cleanup, grounding, evidence, prompts, lengths."""
