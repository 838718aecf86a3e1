"""Small linear text classifiers: features and inference in pure Python, training with scikit-learn.

The bot answers every message within a few milliseconds and must not carry scikit-learn, scipy and
numpy in each process just to add up a few hundred weights. So training (bot/ml/train.py, a
development-time step) fits a scikit-learn logistic regression over the features that
:mod:`bot.ml.features` extracts, and exports the weights to a compressed JSON file; inference
(:mod:`bot.ml.linear`) reads that file and needs nothing beyond the standard library.
"""
