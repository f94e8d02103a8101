"""Storage: models, the database handle, repositories and migrations."""
