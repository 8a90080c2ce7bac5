"""Spectrum readers on files the tests write: FITS in the LAMOST and SDSS layouts
(through astropy), the contest layout, CSV and .npz; and every kind of bad file."""

import numpy as np
import pytest
from astropy.io import fits

from engine.control import Cancelled, RunControl
from engine.spectra import formats
from engine.spectra.formats import SpectrumError
from engine.tasks import TaskContext


def lamost_file(path, n=300, c0=3.5682, c1=1e-4, cls="STAR", nan_at=None):
    flux = np.linspace(10, 20, n)
    if nan_at is not None:
        flux[nan_at] = np.nan
    ivar = np.full(n, 4.0)
    wave = 10 ** (c0 + c1 * np.arange(n))
    hdu = fits.PrimaryHDU(np.stack([flux, ivar, wave, np.zeros(n), np.zeros(n)]).astype(np.float32))
    hdu.header["COEFF0"], hdu.header["COEFF1"] = c0, c1
    hdu.header["CLASS"], hdu.header["OBSID"] = cls, 123456
    hdu.writeto(path)
    return flux, ivar


def sdss_file(path, n=200, cls="QSO"):
    loglam = 3.58 + 1e-4 * np.arange(n)
    cols = fits.ColDefs([fits.Column("flux", "E", array=np.arange(n, dtype=np.float32)),
                         fits.Column("loglam", "E", array=loglam.astype(np.float32)),
                         fits.Column("ivar", "E", array=np.full(n, 2.0, np.float32))])
    spec = fits.BinTableHDU.from_columns(cols, name="COADD")
    obj = fits.BinTableHDU.from_columns([fits.Column("CLASS", "6A", array=np.array([cls]))], name="SPECOBJ")
    fits.HDUList([fits.PrimaryHDU(), spec, obj]).writeto(path)
    return loglam.astype(np.float32)


def test_lamost_wavelength_comes_from_the_header_formula(tmp_path):
    flux, ivar = lamost_file(tmp_path / "spec-55859-F5902_sp01-001.fits")
    s = formats.read_spectrum(tmp_path / "spec-55859-F5902_sp01-001.fits")
    assert np.allclose(s.wavelength, 10 ** (3.5682 + 1e-4 * np.arange(300)), rtol=1e-12)
    assert np.allclose(s.flux, flux) and np.allclose(s.ivar, ivar)
    assert s.label == "star" and s.id == "123456"


def test_lamost_table_layout_of_later_releases(tmp_path):
    n = 50
    cols = [fits.Column("FLUX", f"{n}E", array=np.arange(n, dtype=np.float32)[None]),
            fits.Column("IVAR", f"{n}E", array=np.ones((1, n), np.float32)),
            fits.Column("WAVELENGTH", f"{n}D", array=np.linspace(4000, 5000, n)[None])]
    head = fits.PrimaryHDU()
    head.header["CLASS"] = "GALAXY"
    fits.HDUList([head, fits.BinTableHDU.from_columns(cols)]).writeto(tmp_path / "dr9.fits")
    s = formats.read_spectrum(tmp_path / "dr9.fits")
    assert s.label == "galaxy" and np.allclose(s.wavelength, np.linspace(4000, 5000, n))


def test_sdss_coadd_table(tmp_path):
    loglam = sdss_file(tmp_path / "spec-0266-51602-0003.fits")
    s = formats.read_spectrum(tmp_path / "spec-0266-51602-0003.fits")
    assert np.allclose(s.wavelength, 10.0 ** loglam.astype(np.float64))
    assert s.label == "qso" and s.ivar is not None and s.id == "spec-0266-51602-0003"


def test_corrupt_and_truncated_fits_are_clear(tmp_path):
    lamost_file(tmp_path / "good.fits")
    data = (tmp_path / "good.fits").read_bytes()
    (tmp_path / "cut.fits").write_bytes(data[:3000])
    (tmp_path / "junk.fits").write_bytes(b"\x00\x01garbage" * 100)
    for name in ("cut.fits", "junk.fits"):
        with pytest.raises(SpectrumError) as err:
            formats.read_spectrum(tmp_path / name)
        assert name in str(err.value)
    hdu = fits.PrimaryHDU(np.ones((2, 10), np.float32))  # no wavelength solution
    hdu.writeto(tmp_path / "nowave.fits")
    with pytest.raises(SpectrumError, match="wavelength solution"):
        formats.read_spectrum(tmp_path / "nowave.fits")


def test_csv_with_and_without_header_and_export_round_trip(tmp_path):
    (tmp_path / "a.csv").write_text("wavelength,flux,ivar\n4000,1.5,2\n4001,2.5,3\n4002,3.5,4\n")
    (tmp_path / "b.txt").write_text("4000 1.5\n4001 2.5\n4002 3.5\n")
    a, b = formats.read_spectrum(tmp_path / "a.csv"), formats.read_spectrum(tmp_path / "b.txt")
    assert np.allclose(a.flux, [1.5, 2.5, 3.5]) and np.allclose(a.ivar, [2, 3, 4])
    assert np.allclose(b.wavelength, [4000, 4001, 4002]) and b.ivar is None
    formats.write_csv(a, tmp_path / "out.csv")
    again = formats.read_spectrum(tmp_path / "out.csv")
    assert np.allclose(again.flux, a.flux) and np.allclose(again.ivar, a.ivar)
    formats.write_csv(b, tmp_path / "out2.csv")
    assert (tmp_path / "out2.csv").read_text().splitlines()[1] == "4000.000000,1.5,"


def test_npz_spectrum(tmp_path):
    np.savez(tmp_path / "s.npz", wavelength=np.array([5000.0, 5001.0]), flux=np.array([1.0, 2.0]), label="star")
    s = formats.read_spectrum(tmp_path / "s.npz")
    assert s.label == "star" and s.ivar is None
    np.savez(tmp_path / "bad.npz", x=np.ones(3))
    with pytest.raises(SpectrumError, match="'wavelength' and 'flux'"):
        formats.read_spectrum(tmp_path / "bad.npz")


def contest(tmp_path, n=6, bad=(), missing=()):
    rng = np.random.default_rng(0)
    rows = ["id,type"]
    for i in range(n):
        rows.append(f"{1000 + i},{['star', 'galaxy', 'qso', 'unknown'][i % 4]}")
        if i in missing:
            continue
        values = rng.normal(size=2600 if i not in bad else 2599)
        (tmp_path / f"{1000 + i}.txt").write_text(",".join(f"{v:.5f}" for v in values))
    (tmp_path / "index.csv").write_text("\n".join(rows) + "\n")
    return tmp_path / "index.csv"


def test_contest_layout_with_a_short_file_and_a_missing_one(tmp_path):
    report = formats.load_any(contest(tmp_path, bad=(2,), missing=(4,)))
    assert [s.id for s in report.spectra] == ["1000", "1001", "1003", "1005"]
    assert [s.label for s in report.spectra] == ["star", "galaxy", "unknown", "galaxy"]
    assert np.allclose(report.spectra[0].wavelength[[0, -1]], [3690, 9100])
    why = dict(report.skipped)
    assert "2599 values" in why["1002.txt"] and "missing" in why["1004.txt"]
    assert "2 file(s) skipped" in report.summary()


def test_parallel_folder_reading_matches_serial_and_can_be_cancelled(tmp_path, monkeypatch):
    monkeypatch.setattr(formats, "CHUNK", 8)
    index = contest(tmp_path, n=40)
    jobs = [(tmp_path / f"{1000 + i}.txt", "star") for i in range(40)]
    serial = formats._each(jobs, None, workers=1)
    parallel = formats._each(jobs, None, workers=2)
    assert [s.id for s in serial.spectra] == [s.id for s in parallel.spectra]
    assert all(np.array_equal(a.flux, b.flux) for a, b in zip(serial.spectra, parallel.spectra))
    control = RunControl()
    ctx = TaskContext(control, on_progress=lambda d, t, text: control.request_stop(), interval=0)
    stopped = formats.read_contest_index(index, ctx=ctx)  # stop early: keeps what was read
    assert stopped.cancelled and 0 < len(stopped.spectra) < 40


def test_cancel_while_loading_raises_and_leaves_no_worker(tmp_path, monkeypatch):
    import multiprocessing

    monkeypatch.setattr(formats, "CHUNK", 4)
    contest(tmp_path, n=40)
    jobs = [(tmp_path / f"{1000 + i}.txt", "star") for i in range(40)]
    control = RunControl()
    ctx = TaskContext(control, on_progress=lambda d, t, text: control.cancel(), interval=0)
    with pytest.raises(Cancelled):
        formats._each(jobs, ctx, workers=2)
    assert not multiprocessing.active_children()


def test_folder_skips_what_it_cannot_read(tmp_path):
    lamost_file(tmp_path / "a.fits")
    (tmp_path / "b.fits").write_bytes(b"not fits")
    (tmp_path / "c.csv").write_text("wavelength,flux\n1,2\n3,4\n")
    (tmp_path / "d.txt").write_bytes(b"\x00\x01\x02binary")
    report = formats.read_folder(tmp_path)
    assert sorted(s.source.split("/")[-1] for s in report.spectra) == ["a.fits", "c.csv"]
    assert sorted(n for n, _ in report.skipped) == ["b.fits", "d.txt"]
    for name, why in report.skipped:  # the pair names the file; the reason does not repeat it
        assert why and name not in why, (name, why)
    (tmp_path / "empty").mkdir()
    with pytest.raises(SpectrumError, match="no spectrum files"):
        formats.read_folder(tmp_path / "empty")


def test_nan_flux_is_masked_or_refused_clearly(tmp_path):
    from engine.spectra import preprocess

    lamost_file(tmp_path / "n.fits", n=3000, c0=3.55, nan_at=slice(100, 110))
    s = formats.read_spectrum(tmp_path / "n.fits")
    assert s.bad.sum() == 10
    grid = formats.contest_grid()
    x = preprocess.prepare(s, grid)
    assert np.isfinite(x).all() and abs(float(x[x != 0].mean())) < 1e-5
    with pytest.raises(SpectrumError, match="NaN"):
        preprocess.prepare(s, grid, preprocess.Preprocessing(mask_bad=False))


def test_a_spectrum_that_cannot_be_prepared_is_named_once(tmp_path):
    from engine.spectra import preprocess

    good = formats.Spectrum(np.linspace(4000, 8000, 500), np.ones(500), None, "good")
    far = formats.Spectrum(np.linspace(20000, 21000, 50), np.ones(50), None, "far-ir")
    _, kept, skipped = preprocess.matrix([good, far])
    assert kept == [0] and [n for n, _ in skipped] == ["far-ir"] and "far-ir" not in skipped[0][1]
    assert "outside the grid" in skipped[0][1]


def test_covered_marks_the_grid_points_within_the_spectrum():
    from engine.spectra import preprocess

    grid = formats.contest_grid()
    s = formats.Spectrum(np.linspace(4500, 8000, 300), np.arange(300.0), None, "part")
    inside = preprocess.covered(s, grid)
    np.testing.assert_array_equal(inside, (grid >= 4500) & (grid <= 8000))
    x = preprocess.prepare(s, grid)
    assert (x[~inside] == 0).all() and abs(float(x[inside].mean())) < 1e-5  # padded with 0, data standardised
