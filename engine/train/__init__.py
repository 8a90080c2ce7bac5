"""Training: the shared loop, and the experiments registered with it."""
