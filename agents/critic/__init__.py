"""The critic stage: the rubric scores, the draft's measurements and the issues a round fixes."""
