"""Pictures of digits: nncore.pictures.save_digits."""
import numpy as np
import pytest

from nncore.datasets import load_mnist


def test_save_digits(tmp_path):
    Image = pytest.importorskip("PIL.Image")
    from nncore.pictures import save_digits

    x, t = load_mnist(split="test")
    size = save_digits(tmp_path / "grid.png", x[:23], labels=t[:23], predicted=t[:23], ncols=5)
    with Image.open(tmp_path / "grid.png") as im:
        assert im.format == "PNG" and im.size == size == (5 * (84 + 4), 5 * (84 + 18 + 4))
    one = save_digits(tmp_path / "one.png", x[0].reshape(28, 28), scale=1)
    with Image.open(tmp_path / "one.png") as im:
        assert im.size == one == (32, 32)
        # the digit is dark on white: the centre of a 7 is drawn, the corner is not
        assert im.getpixel((2, 2)) == (255, 255, 255)
    with pytest.raises(ValueError, match="labels must hold one label per image"):
        save_digits(tmp_path / "bad.png", x[:3], labels=[1, 2])
    with pytest.raises(ValueError, match="images must be one digit"):
        save_digits(tmp_path / "bad.png", np.zeros((3, 5)))
