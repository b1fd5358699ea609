"""`underpaint train-embedding IMAGES… [--from-archive ID]… --token NAME --init-word WORD --steps N`:
a TRAIN_EMBEDDING job through the daemon, from picture files and/or archive entries, with the loss
on a progress line; Ctrl-C cancels and keeps what was learned."""

from __future__ import annotations

import signal

from ..v1 import underpaint_pb2 as pb
from .job_end import exit_code, failure


def add_parser(subparsers, add_client_options) -> None:
    p = subparsers.add_parser("train-embedding", help="learn a new prompt word (textual inversion) from 3-50 "
                                                      "pictures of one size; saved to the models folder's "
                                                      "embeddings/",
                                  conflict_handler="resolve")
    add_client_options(p)  # its --token (access token) gives way to the embedding's: use --token-file here
    p.add_argument("images", nargs="*", metavar="IMAGE", help="picture files, all one size")
    p.add_argument("--from-archive", action="append", default=[], metavar="ID", dest="archive_ids",
                   help="also train on this archive entry's picture (repeatable; ids from `underpaint history`)")
    p.add_argument("--token", required=True, dest="name",
                   help="the new word: the embedding's name in prompts and its file name")
    p.add_argument("--init-word", default="", help="start from this word's meaning (default '*')")
    p.add_argument("--steps", type=int, default=0, help="training steps (default 500)")
    p.add_argument("--learning-rate", type=float, default=0.0, help="default 0.005")
    p.add_argument("--vectors", type=int, default=0, help="vectors per token (default 1)")
    p.add_argument("--save-every", type=int, default=0, help="checkpoint interval in steps (default 50)")
    p.add_argument("--model", default="", help="the model to train on (default: the daemon's default)")
    p.add_argument("--seed", type=int, default=-1)
    p.add_argument("--overwrite", action="store_true", help="replace an embedding of the same name")
    p.set_defaults(func=train_embedding)


def train_embedding(args) -> int:
    from .commands import _cancel, client_from_args
    from .images_io import read_image
    from .progress import ProgressBar

    options = pb.TrainEmbeddingOptions(images=[read_image(path, "RGBA") for path in args.images],
                                       archive_ids=args.archive_ids, token=args.name,
                                       init_word=args.init_word, steps=args.steps,
                                       learning_rate=args.learning_rate, vectors=args.vectors,
                                       save_every=args.save_every, overwrite=args.overwrite)
    request = pb.GenerateRequest(type=pb.JOB_TYPE_TRAIN_EMBEDDING, model=args.model, seed=args.seed,
                                 client="underpaint-cli", train=options)
    bar = ProgressBar()
    failed = None
    with client_from_args(args) as client:  # a refusal: ClientError, printed as one line by main()
        job = client.submit(request)
        previous = signal.signal(signal.SIGINT, lambda *_: _cancel(client, job.id, bar))
        try:
            for event in client.watch(job.id):
                kind = event.WhichOneof("kind")
                if kind == "progress":
                    p = event.progress
                    bar.show(f"step {p.step}/{p.total_steps}  loss {p.loss:.4f}", p.step / max(p.total_steps, 1))
                elif kind == "activity" and event.activity.message:
                    bar.show(event.activity.message)
                elif kind == "result":
                    bar.done()
                    print(f"{event.result.embedding}  ({event.result.note})")
                elif kind == "finished":
                    bar.done()
                    failed = failure(event.finished, cancelled=f"cancelled; the last checkpoint of '{args.name}' is kept")
        finally:
            signal.signal(signal.SIGINT, previous)
    return exit_code(failed)
