"""The fitted device-linking model. Written by `python -m tools.drift.fit`; do not edit by
hand: change the simulation or the fitting, and fit again."""

PARAMS = {
    "agree": {
        "sdk": {
            "build": 7.727,
            "carrier": 4.174,
            "hardware": 4.075,
            "language": 4.174,
            "screen": 2.555,
            "timezone": 4.116,
        },
        "web": {
            "audio": 4.94,
            "canvas": 5.149,
            "fonts": 1.966,
            "fonts_count": 1.957,
            "hardware": 3.732,
            "language": 2.683,
            "pixel_ratio": 2.552,
            "screen": 3.7,
            "timezone": 2.863,
        },
    },
    "disagree": {
        "sdk": {
            "build": -0.342,
            "carrier": -9.884,
            "hardware": -9.878,
            "language": -9.884,
            "screen": -9.697,
            "timezone": -4.844,
        },
        "web": {
            "audio": -9.918,
            "canvas": -8.683,
            "fonts": -9.54,
            "fonts_count": -9.536,
            "hardware": -9.853,
            "language": -9.722,
            "pixel_ratio": -4.743,
            "screen": -3.654,
            "timezone": -5.403,
        },
    },
    "threshold": {"web": 14.0, "sdk": -4.0},
    "calibration": (3.0, 0.0),
    "crowd_prefixes": 8.0,
    "crowd_visits": 0.25,
    "fitted_on": "seed 7, 300 devices, 180 days, 2811 visits",
}
