"""Running the service: start-up, reload, shutdown and worker processes."""
