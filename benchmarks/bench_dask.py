"""Distributed inference throughput with nncore.dask on a local cluster.

Rows per second of the shipped 784-256-10 MNIST model over a float32 dask array
for 1, 2 and 4 single-threaded process workers, and Dask's scheduling overhead
per chunk (many tiny chunks through a 1-input network, where the work per task
is negligible).

Usage: python benchmarks/bench_dask.py [--rows 2000000] [--chunk 50000]
"""
import argparse
import sys
import time

import numpy as np


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--chunk", type=int, default=50_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    args = parser.parse_args(argv)

    import dask.array as da
    from distributed import Client, LocalCluster

    import nncore
    import nncore.dask as nd

    net = nncore.pretrained.mnist()
    print(f"nncore {nncore.__version__} ({nncore.BACKEND}); {args.rows:,} rows of 784 float32 "
          f"in chunks of {args.chunk:,}\n")
    print("| workers | seconds | rows/s | overhead per chunk |\n|---|---|---|---|")
    for n in args.workers:
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                               protocol="tcp://", host="127.0.0.1", dashboard_address=None,
                               silence_logs=40, env={"OMP_NUM_THREADS": "1",
                                                     "OPENBLAS_NUM_THREADS": "1"})
        with Client(cluster) as client:
            X = da.full((args.rows, 784), 0.5, chunks=(args.chunk, 784), dtype=np.float32)
            labels = nd.classify(net, X)
            client.compute(nd.classify(net, X[: args.chunk * n]), sync=True)  # warm up
            start = time.perf_counter()
            got = client.compute(labels, sync=True)
            seconds = time.perf_counter() - start
            assert got.shape == (args.rows,)
            # scheduling overhead: 2,000 tiny chunks through a 1-input network
            tiny = nncore.Network.init([1, 1], rng=0)
            Xt = da.zeros((2000, 1), chunks=(1, 1))
            start = time.perf_counter()
            client.compute(nd.predict(tiny, Xt), sync=True)
            per_chunk = (time.perf_counter() - start) / 2000
            print(f"| {n} | {seconds:.2f} | {args.rows / seconds:,.0f} | "
                  f"{per_chunk * 1e3:.2f} ms |", flush=True)
        cluster.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
