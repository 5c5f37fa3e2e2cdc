"""Pain-point mining: problem statements -> embeddings -> deterministic themes."""
