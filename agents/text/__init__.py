"""The text layer the stages share: checks, cleanup, grounding, evidence, prompts, lengths."""
