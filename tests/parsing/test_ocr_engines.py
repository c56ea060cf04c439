"""The OCR engines parsing.ocr can use: RapidOCR's models are files of its installed wheel and
nothing is fetched at run time; an unknown engine is refused; both engines read a value cell."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from parsing import ocr, ocr_rapid, ocr_tesseract

FONT_FILE = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")  # Debian's fonts-wqy-zenhei (scripts/setup.sh)


def _cell(text: str) -> np.ndarray:
    """A grey value cell as a scan gives it: the number centred in 120x60 px."""
    image = Image.new("L", (160, 70), 255)
    ImageDraw.Draw(image).text((80, 35), text, fill=0, anchor="mm", font=ImageFont.truetype(str(FONT_FILE), 34))
    return np.asarray(image)


def test_rapidocr_models_ship_inside_its_package() -> None:
    """The detection and recognition models are files of the installed wheel (so nothing is
    fetched at run time), and they are the ones its configuration loads."""
    import yaml

    files = ocr_rapid.model_files()
    package = files[0].parent.parent
    assert package.name == "rapidocr_onnxruntime"
    config = yaml.safe_load((package / "config.yaml").read_text(encoding="utf-8"))
    loaded = {package / config[part]["model_path"] for part in ("Det", "Rec")}
    assert loaded <= set(files), (loaded, files)
    assert all(path.stat().st_size > 1_000_000 for path in loaded)


def test_rapidocr_reads_without_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError(f"network use during OCR: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(ocr_rapid, "_engine", None)  # built again, under the patch
    readings = ocr_rapid.read_numbers([_cell("1523"), _cell("0"), np.full((60, 120), 255, np.uint8)],
                                      time.monotonic() + 60)
    assert [w[0]["text"] if w else None for w in readings] == ["1523", "0", None]


@pytest.mark.parametrize("read", [ocr_rapid.read_numbers, ocr_tesseract.read_numbers], ids=["rapidocr", "tesseract"])
def test_engine_reads_value_cells(read) -> None:
    readings = read([_cell("36.75"), _cell("7")], time.monotonic() + 60)
    assert ["".join(w["text"] for w in found) for found in readings] == ["36.75", "7"]


def test_copies_that_disagree_are_unsure() -> None:
    assert ocr_rapid._one_copy("777", 99.0) == ("7", 99.0)
    assert ocr_rapid._one_copy("1,5231,5231,523", 95.0) == ("1,523", 95.0)
    assert ocr_rapid._one_copy("0.0.0", 90.0) == ("0", 90.0)
    assert ocr_rapid._one_copy("36.7536.7536.75", 90.0) == ("36.75", 90.0)
    text, conf = ocr_rapid._one_copy("717", 99.0)
    assert conf < ocr.MIN_CONFIDENCE
    assert ocr_rapid._one_copy("71", 99.0)[1] < ocr.MIN_CONFIDENCE


def test_witness_disagreement_is_unsure() -> None:
    word = lambda text, conf=95.0: [ocr.Word(text=text, conf=conf, x=0, y=0, height=10)]  # noqa: E731
    merged = ocr._witnessed([word("8"), word("0"), [], word("12")], [word("8"), word("6"), word("3"), []])
    assert [m[0]["conf"] if m else None for m in merged] == [95.0, ocr.MIN_CONFIDENCE - 1, ocr.MIN_CONFIDENCE - 1,
                                                               ocr.MIN_CONFIDENCE - 1]
    assert ocr._witnessed([word("O")], [word("0")])[0][0]["conf"] == 95.0  # a digit slip is no disagreement
    kept = ocr._witnessed([word("2513"), word("2")], [word("251.3"), word("-2")])
    assert [k[0]["text"] for k in kept] == ["251.3", "-2"]  # the mark one engine missed, unsure


def test_unknown_engine_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown OCR engine"):
        with ocr.use_engine("abbyy"):
            pass


def test_value_cell_is_a_number_blank_or_unreadable_never_a_label() -> None:
    assert ocr._cell_value([("O", 95.0)], ink=200).value.uncertain  # 0 read through a slip
    assert ocr._cell_value([("文", 95.0)], ink=200).value.kind == "unreadable"
    assert ocr._cell_value([("。", 95.0)], ink=200).value.kind == "unreadable"
    assert ocr._cell_value([], ink=0).value.kind == "blank"
    assert ocr._cell_value([("12", 50.0)], ink=200).value.uncertain
