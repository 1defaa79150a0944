"""Datasets: MNIST, read from verified IDX files."""
