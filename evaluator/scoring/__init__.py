"""The scoring engine: pure numpy/pandas, no Flask and no database."""
