"""Does the ICP work? Backtests on held-out closed deals, beside two reference models."""
