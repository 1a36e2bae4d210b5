"""Reviews: an expert's scores, comments, vetoes and bonus verification for one assignment, with the
scoring sheet and the reviewer's queue."""
