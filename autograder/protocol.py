"""The worker's reply channel: length-prefixed frames on a pipe, plain data only.

Each frame is a JSON header line (at most `MAX_HEADER` bytes) followed by ``nbytes``
bytes of an ``.npz`` archive. Everything read here comes from untrusted code, so every
read is bounded and anything malformed raises `ProtocolError`.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from dataclasses import dataclass
from typing import Any

import numpy as np

from autograder.outputs import Outputs, OutputTypeError, from_arrays, normalize, to_arrays

MAX_HEADER = 64 * 1024
MAX_ENTRIES = 10_000  # arrays in one case's outputs


# The worker writes this, then "<module>:<function>", on its own output before each
# case: what follows, up to the next mark, is what that case's code printed. The
# submission could print a mark too; it would only mislabel its own prints.
CASE_MARK = "\x1ecase "


def printed_by_case(output: bytes) -> dict[str, str]:
    """Split a worker's output at the case marks: ``{"module:function": text}``; what
    came before the first mark (while the files were imported) is under ``""``."""
    first, *parts = output.decode("utf-8", "replace").split(CASE_MARK)
    printed = {"": first}
    for part in parts:
        case, _, text = part.partition("\n")
        printed[case] = printed.get(case, "") + text
    return printed


class ProtocolError(ValueError):
    """The worker sent something that is not a well-formed frame."""


@dataclass(frozen=True)
class Frame:
    header: dict[str, Any]
    payload: bytes


def encode_outputs(outputs: Outputs) -> bytes:
    """The ``.npz`` payload of normalized outputs. More leaves than the judge accepts fail
    here, in the worker, before seconds go into writing them (the judge checks again)."""
    arrays = to_arrays({"out": outputs})
    if len(arrays) > MAX_ENTRIES:
        raise OutputTypeError(
            f"{len(arrays) - 1} separate values in the output, at most {MAX_ENTRIES}: "
            "return arrays, not lists of numbers"
        )
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)  # type: ignore[arg-type]
    return buffer.getvalue()


def _check_archive(payload: bytes) -> None:
    """Refuse what could make decoding costly: compressed entries (a small payload that
    inflates to gigabytes) and very many entries."""
    with zipfile.ZipFile(io.BytesIO(payload)) as zf:
        infos = zf.infolist()
    if len(infos) > MAX_ENTRIES:
        raise ProtocolError(f"{len(infos)} arrays in one output; at most {MAX_ENTRIES}")
    if any(info.compress_type != zipfile.ZIP_STORED for info in infos):
        raise ProtocolError("compressed arrays in the outputs")
    if sum(info.file_size for info in infos) > len(payload):
        raise ProtocolError("the archive claims more bytes than it holds")


def decode_outputs(payload: bytes) -> Outputs:
    """Outputs from an ``.npz`` payload, never unpickling, re-validated on this side."""
    try:
        _check_archive(payload)
        with np.load(io.BytesIO(payload), allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
        return normalize(from_arrays(arrays)["out"])
    except ProtocolError:
        raise
    except Exception as exc:  # noqa: BLE001 - any malformed payload is the worker's fault
        raise ProtocolError(f"unreadable outputs ({type(exc).__name__}: {exc})") from exc


def write_frame(fd: int, header: dict[str, Any], payload: bytes = b"") -> None:
    data = json.dumps({**header, "nbytes": len(payload)}).encode() + b"\n" + payload
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


class FrameReader:
    """Reads frames from a file descriptor, with a bound on each payload."""

    def __init__(self, fd: int, max_payload: int) -> None:
        self.fd = fd
        self.max_payload = max_payload
        self.buffer = bytearray()

    def feed(self, chunk: bytes) -> None:
        self.buffer.extend(chunk)

    def pop(self) -> Frame | None:
        """The next complete frame in the buffer, or None when more bytes are needed."""
        end = self.buffer.find(b"\n", 0, MAX_HEADER + 1)
        if end < 0:
            if len(self.buffer) > MAX_HEADER:
                raise ProtocolError("header line too long")
            return None
        try:
            header = json.loads(bytes(self.buffer[:end]))
            nbytes = int(header["nbytes"])
        except (ValueError, KeyError, TypeError) as exc:
            raise ProtocolError(f"malformed header: {exc}") from exc
        if not isinstance(header, dict) or not 0 <= nbytes <= self.max_payload:
            raise ProtocolError(f"payload of {nbytes} bytes exceeds the limit {self.max_payload}")
        if len(self.buffer) < end + 1 + nbytes:
            return None
        payload = bytes(self.buffer[end + 1 : end + 1 + nbytes])
        del self.buffer[: end + 1 + nbytes]
        return Frame(header, payload)
