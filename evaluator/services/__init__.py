"""Operations on the database. Services flush; the request or command commits once."""
