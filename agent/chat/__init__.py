"""Chat with the agent: tools over the product, an LLM tool-calling loop or an offline router."""
