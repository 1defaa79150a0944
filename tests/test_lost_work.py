"""Nothing the user had is lost or loosened by a failed or interrupted call."""
import os
import stat

import numpy as np
import pytest

import nncore
from nncore import cli


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o444 | 0o200])
def test_save_keeps_the_mode_of_the_file_it_replaces(tmp_path, mode):
    path = tmp_path / "model.npz"
    nncore.Network.init([3, 2], rng=0).save(path)
    os.chmod(path, mode)
    nncore.Network.init([3, 2], rng=1).save(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == mode
    assert [p.name for p in tmp_path.iterdir()] == ["model.npz"]


@pytest.mark.parametrize("bad", [([[1.0, 2.0]], [0]), (np.ones((2, 3)), [0, 5]),
                                 (np.ones((2, 3)), [0]), (np.ones((0, 3)), []), "xy",
                                 (np.ones((2, 3)),), (np.ones((2, 3)), np.ones((2, 4)))])
def test_bad_validation_data_is_refused_before_training(backend, bad):
    net = nncore.Network.init([3, 4, 2], rng=0)
    before = {k: v.copy() for k, v in net.params.items()}
    with pytest.raises(ValueError, match="validation_data|x_val|t |labels|one-hot|samples"):
        net.fit(np.ones((4, 3)), [0, 1, 0, 1], epochs=2, validation_data=bad, progress=False)
    for k, v in net.params.items():
        np.testing.assert_array_equal(v, before[k], err_msg=k)


@pytest.mark.parametrize("sizes", [[784, 20], [784, 30, 10, 3], [100, 10]])
def test_evaluate_refuses_a_model_that_cannot_classify_digits(tmp_path, capsys, sizes):
    path = tmp_path / "m.npz"
    nncore.Network.init(sizes, rng=0).save(path)
    assert cli.main(["evaluate", "--model", str(path)]) == 1
    err = capsys.readouterr().err
    assert str(path) in err and "784 inputs and 10 outputs" in err and "Traceback" not in err


def test_command_line_memory_error_is_one_line(monkeypatch, capsys):
    def boom(args):
        raise MemoryError("Unable to allocate 584. GiB")

    parser = cli.build_parser()
    monkeypatch.setattr(cli, "build_parser", lambda: parser)
    parser._subparsers._group_actions[0].choices["info"].set_defaults(func=boom)
    assert cli.main(["info"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not enough memory" in err


def test_interrupted_training_does_not_replace_the_model(tmp_path, mnist_dir, monkeypatch,
                                                         capsys):
    path = tmp_path / "model.npz"
    nncore.Network.init([784, 10], rng=0).save(path)
    before = path.read_bytes()

    def interrupted_fit(self, *args, **kwargs):
        history = nncore.training.History()
        history.interrupted = True
        return history

    monkeypatch.setattr(nncore.Network, "fit", interrupted_fit)
    code = cli.main(["train", "--hidden", "5", "--epochs", "1", "--out", str(path),
                     "--data-home", mnist_dir, "--quiet"])
    assert code == 130
    assert path.read_bytes() == before
    out = capsys.readouterr()
    assert "was not written" in out.err
    # the summary does not tell a user who gave --out to give --out
    assert f"training was interrupted, {path} was not written" in out.out
    assert "give --out" not in out.out
