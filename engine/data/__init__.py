"""Data files the engine ships: the IP lists and the IP data pins (see engine/ipdata/)."""
