"""Jobs: what was asked (a resolved request), their event logs, the queue and the GPU worker."""
