"""The chat-model seam: LangChain ChatOpenAI (any OpenAI-compatible endpoint), prompts,
structured output with a bounded re-ask, call logging and redaction."""
