"""Search-quality test set: queries with their relevant documents, and the scorer."""
