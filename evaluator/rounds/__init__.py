"""Rounds: a year's recognition round with its frozen criteria set, deadlines, phases and review settings."""
