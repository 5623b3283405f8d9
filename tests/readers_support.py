"""Helpers for the reader tests (not a test module)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from pipeline.readers import InputFailure, Paragraph, ReadOptions, read_inputs

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(__file__).resolve().parents[2] / "shared"

# A short document of our own (not corpus text): title, salutation, headings, body, a line
# broken around inline markup, traditional characters, an English abstract and a licence footer.
DOC = """城市对外交往与基层治理年度报告

现在，我代表市人民政府，向大会报告过去一年的工作，请予审议，并请市政协委员提出意见。
一、过去一年的工作回顾
2024年，全市经济运行总体平稳，外贸进出口增长5.2%，新设外资企业120家。
我们持续改善空气质量，细颗粒物（PM
2.5
）平均浓度下降8%，重污染天数明显减少。
（一）深化國際交流合作
我們與友好城市簽署合作備忘錄，推動人文交流和地方合作再上台階。
Abstract: The city improved its governance while serving major international events.
本作品是中华人民共和国的
法律
、
法规
，不适用著作权保护。
"""
DOC_PARAGRAPHS = [
    "城市对外交往与基层治理年度报告",
    "现在，我代表市人民政府，向大会报告过去一年的工作，请予审议，并请市政协委员提出意见。",
    "一、过去一年的工作回顾",
    "2024年，全市经济运行总体平稳，外贸进出口增长5.2%，新设外资企业120家。",
    "我们持续改善空气质量，细颗粒物（PM2.5）平均浓度下降8%，重污染天数明显减少。",
    "（一）深化國際交流合作",
    "我們與友好城市簽署合作備忘錄，推動人文交流和地方合作再上台階。",
    "Abstract: The city improved its governance while serving major international events.",
    "本作品是中华人民共和国的法律、法规，不适用著作权保护。",
]

TRADITIONAL = (
    "一、總體要求\n堅持以人民為中心的發展思想，推動城市治理體系和治理能力現代化。\n"
    "加強國際交往中心功能建設，服務國家總體外交。\n"
)


def read_units(*inputs: str | Path, **options: object) -> list[Paragraph | InputFailure]:
    return list(read_inputs([str(i) for i in inputs], ReadOptions(**options)))


def only_units(items: list[Paragraph | InputFailure]) -> list[Paragraph]:
    failures = [i for i in items if isinstance(i, InputFailure)]
    assert not failures, failures
    return items  # type: ignore[return-value]


def failures_of(items: list[Paragraph | InputFailure]) -> list[InputFailure]:
    return [i for i in items if isinstance(i, InputFailure)]


def texts(items: list[Paragraph | InputFailure]) -> list[str]:
    return [i.text for i in items if isinstance(i, Paragraph)]


def run_without_dac_override(code: str) -> subprocess.CompletedProcess[str] | None:
    """Run `code` as root minus CAP_DAC_OVERRIDE/CAP_DAC_READ_SEARCH, so file modes apply to it."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)

    def drop() -> None:
        for capability in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
            if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP: gone after exec
                raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")

    try:
        return run_code(code, preexec_fn=drop)
    except (OSError, subprocess.SubprocessError):
        return None


def run_code(code: str, preexec_fn: Callable[[], None] | None = None) -> subprocess.CompletedProcess[str]:
    """Run Python `code` in a child with this checkout on its path (a hang fails after 120 s)."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=preexec_fn,
        env=env,
    )


def pdf_with_content(stream: bytes) -> bytes:
    """A one-page PDF whose page content is `stream`, already deflated (written by hand, no library)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
