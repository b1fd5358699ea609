"""Running one FINISH job on an image file from the CLI: submit, show progress, save, Ctrl-C cancels."""

from __future__ import annotations

import signal
from pathlib import Path

from ..v1 import underpaint_pb2 as pb
from .job_end import exit_code, failure


def run_finish(args, request: pb.GenerateRequest, describe=lambda result: "") -> int:
    """Sends `request` (its finishing steps set) with args.image as init_image, writes the result
    to args.out; describe(result) adds a note to the printed line."""
    from .commands import _cancel, client_from_args
    from .images_io import read_image, save_png
    from .progress import ProgressBar

    request.type = pb.JOB_TYPE_FINISH
    request.client = request.client or "underpaint-cli"
    request.init_image.CopyFrom(read_image(args.image, "RGBA"))
    bar = ProgressBar()
    failed = None
    with client_from_args(args) as client:   # a refusal: ClientError, printed as one line by main()
        job = client.submit(request)
        previous = signal.signal(signal.SIGINT, lambda *_: _cancel(client, job.id, bar))
        try:
            for event in client.watch(job.id):
                kind = event.WhichOneof("kind")
                if kind == "queued":
                    bar.show(f"queued, {event.queued.position} job(s) ahead")
                elif kind == "activity" and event.activity.message:
                    a = event.activity
                    bar.show(a.message, a.fraction if a.fraction >= 0 else None)
                elif kind == "result":
                    r = event.result
                    bar.done()
                    if not r.image.data:  # withheld by the daemon's content policy
                        failed = f"{args.out} not written: {r.note or 'the daemon sent no image'}"
                        continue
                    save_png(r.image, Path(args.out), r.parameters.infotext)
                    extra = describe(r)
                    print(f"{args.out}  {r.image.width}x{r.image.height}" + (f"  {extra}" if extra else "")
                          + (f"  ({r.note})" if r.note else ""))
                elif kind == "finished":
                    bar.done()
                    failed = failure(event.finished)
        finally:
            signal.signal(signal.SIGINT, previous)
    return exit_code(failed)
