"""Dashboard: the office's overview of rounds, phases, deadlines and counts per city."""
