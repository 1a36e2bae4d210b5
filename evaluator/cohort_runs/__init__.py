"""Cohort runs: the cohorts engine fed from a round's applications, stored per round with its
members, peers and the office's moves; read by the results and the applicant's pages."""
