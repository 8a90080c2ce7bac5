import numpy as np

from engine.train.pictures import thumbnails


def test_thumbnails_are_rounded_bytes_grey_or_channels_last():
    grey = np.array([[[[0.0, 0.5], [1.2, -0.1]]]])  # (1, 1, 2, 2)
    out = thumbnails(grey)
    assert out.dtype == np.uint8 and out.shape == (1, 2, 2)
    assert out.tolist() == [[[0, 128], [255, 0]]]  # 0.5·255 = 127.5 rounds up; out of [0, 1] clipped
    rgb = np.zeros((2, 3, 4, 5))
    rgb[1, 2, 3, 4] = 1.0  # blue of the last pixel of the second image
    out = thumbnails(rgb)
    assert out.shape == (2, 4, 5, 3) and out[1, 3, 4].tolist() == [0, 0, 255] and out.sum() == 255
