"""Results: the scoring engine fed from the database, snapshots with their hashes, calibration,
disagreement, reviewer statistics and exports."""
