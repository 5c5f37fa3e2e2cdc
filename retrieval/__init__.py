"""Evidence ingestion, chunking, embeddings, the vector store and search."""
