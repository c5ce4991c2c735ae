"""The data lifecycle: retention, erasure and its journal, sweeps and leases."""
