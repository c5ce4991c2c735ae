"""Learning from feedback: training the reason-code weights, and backtesting a rule, on
the sessions in a store. Offline: these open the store read-only, beside the running
service, and never touch live traffic.

`data` turns stored sessions into rows (rule strengths, label, time); `train` fits the
model and writes a candidate `model.toml`; `backtest` runs one plugin's rules over stored
sessions and measures them against the feedback.
"""

from engine.scoring.training.backtest import BacktestReport, backtest
from engine.scoring.training.data import Dataset, load_dataset
from engine.scoring.training.train import TrainReport, train

__all__ = ["BacktestReport", "Dataset", "TrainReport", "backtest", "load_dataset", "train"]
