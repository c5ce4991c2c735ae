"""The session operations: tokens, validation, collect, score, feedback, opt-out."""
