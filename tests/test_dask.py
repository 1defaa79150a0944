"""Distributed inference on a dask.distributed LocalCluster (loopback only)."""
import numpy as np
import pytest

import nncore

da = pytest.importorskip("dask.array", reason="needs the dask extra: pip install \"nncore-dlfs[dask]\"")
distributed = pytest.importorskip("distributed", reason="needs the dask extra")
import nncore.dask as nd  # noqa: E402

ROWS = 200_000


@pytest.fixture(scope="module", params=["processes", "threads"])
def client(request):
    processes = request.param == "processes"
    # The dashboard on a free port: two test processes may each start a cluster.  A
    # memory limit for worker processes only: threads' workers would count the whole
    # test process (pytest's, with every library the suite imported), pause at 80 % of
    # the limit and never finish.
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=processes,
                                       protocol="tcp://", host="127.0.0.1",
                                       dashboard_address="127.0.0.1:0",
                                       memory_limit="1GiB" if processes else 0,
                                       silence_logs=40)
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
def test_distributed_matches_in_memory(client, dtype):
    net = nncore.Network.init([20, 32, 16, 4], activation="relu", weight_init="he", dtype=dtype,
                              rng=0)
    # data made by dask itself (seeded per chunk), with the feature axis split in two
    X = da.random.default_rng(1).standard_normal((ROWS, 20), chunks=(25_000, 10)).astype(dtype)
    X_np = X.compute(scheduler="synchronous")
    Y = nd.predict_proba(net, X)
    labels = nd.classify(net, X)
    assert Y.shape == (ROWS, 4) and Y.dtype == dtype and Y.chunks[0] == X.chunks[0]
    assert labels.dtype == np.int64 and labels.shape == (ROWS,)
    got, got_labels = client.compute([Y, labels], sync=True)
    want = net.predict(X_np)
    np.testing.assert_allclose(got, want, rtol=1e-5 if dtype == np.float32 else 1e-12)
    np.testing.assert_array_equal(got_labels, net.classify(X_np))


def test_network_is_one_key_of_the_graph():
    import pickle

    net = nncore.Network.init([784, 50, 10], rng=0)
    X = da.zeros((1000, 784), chunks=(100, 784))
    graph = dict(nd.predict(net, X).__dask_graph__())
    size = len(pickle.dumps(net))
    carrying = [k for k, v in graph.items() if len(pickle.dumps(v)) > size // 2]
    assert len(carrying) == 1, f"{len(carrying)} graph entries carry the network"


def test_no_dry_run_and_validation():
    class Counting(nncore.Network):
        calls = 0

        def predict(self, x):
            Counting.calls += 1
            return super().predict(x)

    net = Counting(nncore.Network.init([3, 2], rng=0).layers)
    nd.predict(net, da.ones((10, 3), chunks=5))
    assert Counting.calls == 0, "building the graph must not call the network"
    with pytest.raises(ValueError, match=r"X must have shape \(N, 3\)"):
        nd.predict(net, da.ones((10, 4), chunks=5))
    with pytest.raises(TypeError, match="X must be a dask.array.Array"):
        nd.predict(net, np.ones((10, 3)))
    with pytest.raises(TypeError, match="got complex128"):
        nd.predict(net, da.ones((10, 3), chunks=5, dtype=complex))


def test_predict_batches_on_a_memmap(tmp_path):
    net = nncore.Network.init([12, 8, 3], rng=0)
    X = np.random.default_rng(0).random((5003, 12))
    path = tmp_path / "x.dat"
    X.tofile(path)
    mm = np.memmap(path, dtype=np.float64, mode="r", shape=X.shape)
    out = np.memmap(tmp_path / "y.dat", dtype=np.float64, mode="w+", shape=(5003, 3))
    res = nd.predict_batches(net, mm, batch_size=1000, out=out)
    assert res is out
    np.testing.assert_array_equal(np.asarray(out), net.predict(X))
    np.testing.assert_array_equal(nd.predict_batches(net, mm, batch_size=700, classify=True),
                                  net.classify(X))
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        nd.predict_batches(net, mm, batch_size=0)
