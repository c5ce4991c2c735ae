"""The session operations, in the order a session meets them.

`tokens` (the signed session token) -> `validation` (engine/validation.py: typed bodies) ->
`collect` (the collect operation and the refusal of personal data) -> `refusal` (what a
refused session's score answers) -> the score (engine/scoring/pipeline.py) -> feedback
(engine/reputation/) -> opt-out and erasure (engine/lifecycle/). `service.Service` is the
front the HTTP layer calls: it finds a session's region, takes its turn (`turns`), and runs
each operation as one atomic write; `facts` holds what a request tells it; `actors` runs
operations on the engine's bounded inbox; `catalogue` is the open attribute catalogue.
"""
