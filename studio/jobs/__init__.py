"""The durable job ledger and the runner that drives jobs to the end."""
