"""The fitted device-linking model. Written by `python -m tools.drift.fit`; do not edit by
hand: change the simulation or the fitting, and fit again."""

PARAMS = {
    "agree": {
        "sdk": {
            "build": 8.196,
            "carrier": 3.443,
            "hardware": 3.394,
            "language": 3.292,
            "screen": 1.92,
            "timezone": 3.394,
        },
        "web": {
            "audio": 5.011,
            "canvas": 5.256,
            "fonts": 1.667,
            "fonts_count": 1.652,
            "hardware": 3.767,
            "language": 2.967,
            "pixel_ratio": 2.703,
            "screen": 3.874,
            "timezone": 3.152,
        },
    },
    "disagree": {
        "sdk": {
            "build": -0.499,
            "carrier": -9.827,
            "hardware": -9.822,
            "language": -9.811,
            "screen": -9.523,
            "timezone": -4.893,
        },
        "web": {
            "audio": -9.92,
            "canvas": -8.476,
            "fonts": -9.421,
            "fonts_count": -9.414,
            "hardware": -9.856,
            "language": -7.83,
            "pixel_ratio": -5.002,
            "screen": -4.227,
            "timezone": -4.86,
        },
    },
    "threshold": {"web": 15.0, "sdk": 8.0},
    "calibration": (2.5, 0.0),
    "crowd_prefixes": 4.0,
    "crowd_visits": 0.25,
    "fitted_on": "seed 7, 600 devices, 180 days, 5471 visits",
    "max_new_fonts": 2,
}
