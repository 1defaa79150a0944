"""Datasets: MNIST from verified IDX files (test split shipped, training split downloaded)."""
from ._files import DatasetDownloadError, clear_data_home, get_data_home
from .mnist import load_mnist, load_mnist_csv

__all__ = ["load_mnist", "load_mnist_csv", "get_data_home", "clear_data_home",
           "DatasetDownloadError"]
