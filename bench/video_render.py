"""Offline video render cost: seconds of CPU per second of video and peak
memory, for 15 s and 60 s scripts (English and Arabic), on ONE core.

Baselines measured in the same run: real time (a render must take less than
the video lasts — ratio < 1.0×) and a naive renderer that redraws every frame
instead of reusing each caption's frames (same output, `reuse_frames=False`).

Each render runs in its own process pinned to one CPU (sched_setaffinity),
so peak RSS is that render's and x264 cannot borrow the second core.
Rounds are interleaved. Writes its section into docs/PERFORMANCE.md.

Run: .venv/bin/python bench/video_render.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SENTENCES = {
    "en": "Welcome to the Rose Café, where we roast fresh coffee every single morning. "
    "Order before noon and we deliver it warm to your office the same day. ",
    "ar": "مرحباً بكم في مقهى الورد، حيث نحمّص القهوة الطازجة كل صباح. "
    "اطلبوا قبل الظهر ونوصلها دافئة إلى مكتبكم في اليوم نفسه. ",
}
VARIANTS = [  # (language, target seconds, reuse frames)
    ("en", 15, True),
    ("ar", 15, True),
    ("en", 60, True),
    ("ar", 60, True),
    ("ar", 15, False),
]


def script_for(language: str, seconds: int) -> str:
    # about 2.5 words a second (the "professional" pace)
    words_needed = int(seconds * 2.5) - 3
    words: list[str] = []
    while len(words) < words_needed:
        words.extend(SENTENCES[language].split())
    return " ".join(words[:words_needed]).rstrip("،,") + "."


def child(language: str, seconds: int, reuse: bool) -> None:
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nexusone.settings")
    from content.video.render import RenderRequest, render_video

    request = RenderRequest(script=script_for(language, seconds), language=language, reuse_frames=reuse)
    with tempfile.NamedTemporaryFile(suffix=".mp4") as output:
        wall, cpu = time.perf_counter(), time.process_time()
        result = render_video(request, output.name)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        size = os.path.getsize(output.name)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "wall": wall,
                "cpu": cpu,
                "duration": result.duration_seconds,
                "frames": result.frames,
                "peak_mb": peak_mb,
                "bytes": size,
            }
        )
    )


def run_variant(language: str, seconds: int, reuse: bool) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", language, str(seconds), "1" if reuse else "0"],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(rounds: int) -> str:
    load_before = os.getloadavg()[0]
    samples: dict[tuple, list[dict]] = {variant: [] for variant in VARIANTS}
    for _round in range(rounds):
        for variant in VARIANTS:
            samples[variant].append(run_variant(*variant))
    load_after = os.getloadavg()[0]

    rows = []
    naive_cpu = statistics.median(s["cpu"] / s["duration"] for s in samples[("ar", 15, False)])
    for (language, seconds, reuse), runs in samples.items():
        wall = statistics.median(r["wall"] / r["duration"] for r in runs)
        cpu = statistics.median(r["cpu"] / r["duration"] for r in runs)
        name = f"{seconds} s script, {'Arabic' if language == 'ar' else 'English'}"
        name += "" if reuse else " — naive: every frame redrawn (baseline)"
        rows.append(
            f"| {name} | {runs[0]['duration']:.1f} | {runs[0]['frames']} | {cpu:.3f} | {wall:.3f} | "
            f"{max(r['peak_mb'] for r in runs):.0f} | {runs[0]['bytes'] / 1e6:.2f} | "
            f"{naive_cpu / cpu:.1f}× |"
        )
    cpu_model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return "\n".join(
        [
            "<!-- bench:video:start -->",
            "## Offline video renderer (`bench/video_render.py`)",
            "",
            f"1280×720 H.264 (x264 `veryfast`, `stillimage`, one thread) + AAC mono, 12 fps; each render in its own "
            f"process pinned to ONE core ({cpu_model}); {rounds} interleaved rounds, medians. Run on {date.today()}; "
            f"1-minute load average {load_before:.1f} before and {load_after:.1f} after (other helpers' test suites "
            f"share the 2 cores, so wall time is inflated — CPU seconds are the steadier figure).",
            "",
            "| script | video (s) | frames | CPU s per video s | wall s per video s | peak RSS (MB) | MP4 (MB) | "
            "speed-up vs naive (CPU) |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
            *rows,
            "",
            "**Target: faster than real time on one core — CPU s per video s < 1.0.** Reusing each caption's frames "
            "(drawn once per ring state, converted to YUV once) leaves x264 coding repeats as skipped blocks; the "
            "naive baseline redraws, re-shapes and re-converts every frame. Memory stays flat in the video's length: "
            "frames are encoded as they are made and only the current caption's three frames are kept.",
            "<!-- bench:video:end -->",
        ]
    )


def write(section: str) -> None:
    path = ROOT / "docs" / "PERFORMANCE.md"
    text = path.read_text()
    start, end = "<!-- bench:video:start -->", "<!-- bench:video:end -->"
    if start in text:
        text = text[: text.index(start)] + section + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    path.write_text(text)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], int(sys.argv[3]), sys.argv[4] == "1")
    else:
        parser = argparse.ArgumentParser()
        parser.add_argument("--rounds", type=int, default=3)
        section = main(parser.parse_args().rounds)
        write(section)
        print(section)
