"""Assignments: expert panels built by the solver under conflict rules and load caps, manual changes,
recusal, declared conflicts and reviewers' expertise."""
