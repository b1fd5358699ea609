"""A small Python client for the daemon over native gRPC (used by the CLI and benchmarks)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import grpc

from . import client_tls
from .config import DEFAULT_GRPC_PORT, MAX_MESSAGE_BYTES, config_dir, read_discovery_file, token_path
from .transport import heap
from .transport.wire import encode_pieces
from .v1 import archive_pb2_grpc, board_pb2_grpc, underpaint_pb2 as pb, underpaint_pb2_grpc


class ClientError(Exception):
    """A failed call, with a one-line reason meant for people."""


def find_server(address: str | None = None) -> str:
    """--server, else $UNDERPAINT_SERVER, else the running daemon's daemon.json, else the default."""
    return (address or os.environ.get("UNDERPAINT_SERVER") or read_discovery_file().get("grpc")
            or f"127.0.0.1:{DEFAULT_GRPC_PORT}")


def find_token(token: str | None = None, token_file: str | None = None) -> str | None:
    if token:
        return token
    if token_file:  # asked for explicitly: a missing file is an error, not a fallback
        try:
            with open(token_file, encoding="utf-8") as f:
                return f.read().strip() or None
        except OSError as error:
            raise ClientError(f"--token-file {token_file}: cannot read it ({error.strerror or error})") from None
    if os.environ.get("UNDERPAINT_TOKEN"):
        return os.environ["UNDERPAINT_TOKEN"]
    path = token_path(config_dir())
    return path.read_text().strip() if path.exists() else None


def _encode(message) -> bytes:
    wire = b"".join(encode_pieces(message))
    heap.note_message(len(wire))
    return wire


def _noting(deserialize):
    if deserialize is None:
        return None

    def parse(wire: bytes):
        heap.note_message(len(wire))
        return deserialize(wire)
    return parse


class _PixelsAsTheyLie:
    """The channel as the generated stubs see it: requests are encoded by transport/wire.py, which
    takes a large bytes field (pixels) as it lies, one copy of a 64 MiB canvas where upb's
    SerializeToString makes about 2.5 (bench/RESULTS.md). Answers are parsed as usual."""

    def __init__(self, channel: grpc.Channel):
        self._channel = channel

    def unary_unary(self, method, request_serializer=None, response_deserializer=None, **kwargs):
        return self._channel.unary_unary(method, _encode, _noting(response_deserializer), **kwargs)

    def unary_stream(self, method, request_serializer=None, response_deserializer=None, **kwargs):
        return self._channel.unary_stream(method, _encode, _noting(response_deserializer), **kwargs)

    def __getattr__(self, name):  # streaming requests, should a stub grow one: plain encoding
        return getattr(self._channel, name)


class Client:
    """tls: None = as the running daemon's daemon.json says for its own address, True/False = on/off;
    ca_file (trust through this CA) or fingerprint (pin the certificate) imply TLS; they default to
    $UNDERPAINT_CA_FILE and $UNDERPAINT_FINGERPRINT.

    reuse_buffers: a long-lived program that moves canvases again and again can have this process
    keep large buffers mapped between calls as the daemon does (transport/heap.py: it changes
    glibc's thresholds for the whole process, and gives the memory back once transfers stop).
    A 64 MiB Echo: 3.5x the loopback floor without, 2.2x with (bench/RESULTS.md)."""

    def __init__(self, address: str | None = None, token: str | None = None, token_file: str | None = None,
                 tls: bool | None = None, ca_file: str | None = None, fingerprint: str | None = None,
                 reuse_buffers: bool = False):
        if reuse_buffers:
            heap.keep_large_buffers()
        self.address = find_server(address)
        self._metadata = []
        tok = find_token(token, token_file)
        if tok:
            self._metadata.append(("authorization", f"Bearer {tok}"))
        options = [("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
                   ("grpc.max_send_message_length", MAX_MESSAGE_BYTES)]
        try:
            self.tls = client_tls.choose(self.address, read_discovery_file(), tls,
                                         ca_file or os.environ.get("UNDERPAINT_CA_FILE") or None,
                                         fingerprint or os.environ.get("UNDERPAINT_FINGERPRINT") or None)
            if self.tls is None:
                self.channel = grpc.insecure_channel(self.address, options=options)
            else:
                credentials, extra = client_tls.grpc_credentials(self.address, self.tls)
                self.channel = grpc.secure_channel(self.address, credentials, options=options + extra)
        except client_tls.TlsProblem as error:
            raise ClientError(str(error)) from None
        stubs_channel = _PixelsAsTheyLie(self.channel)
        self.stub = underpaint_pb2_grpc.UnderpaintStub(stubs_channel)
        self.board = board_pb2_grpc.BoardStub(stubs_channel)
        self.history = archive_pb2_grpc.HistoryStub(stubs_channel)
        self.lexicon = archive_pb2_grpc.LexiconStub(stubs_channel)

    def close(self) -> None:
        self.channel.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def call(self, method, request, timeout: float | None = 30.0):
        try:
            return method(request, metadata=self._metadata, timeout=timeout)
        except grpc.RpcError as exc:
            raise self._error(exc) from None

    def _error(self, exc: grpc.RpcError) -> ClientError:
        code = exc.code()
        if code == grpc.StatusCode.UNAVAILABLE:
            hint = client_tls.explain_failure(exc.details() or "", self.tls)
            if hint:
                return ClientError(f"cannot talk to the Underpaint daemon at {self.address}: {hint}")
            return ClientError(f"cannot reach the Underpaint daemon at {self.address}: is it running? "
                               "Start it with `underpaint serve`.")
        return ClientError(f"{code.name.lower()}: {exc.details()}")

    def info(self) -> pb.Info:
        return self.call(self.stub.GetInfo, pb.GetInfoRequest(), timeout=10)

    def models(self, rescan: bool = False) -> pb.ListModelsResponse:
        return self.call(self.stub.ListModels, pb.ListModelsRequest(rescan=rescan))

    def samplers(self) -> pb.ListSamplersResponse:
        return self.call(self.stub.ListSamplers, pb.ListSamplersRequest())

    def tokenize(self, prompt: str, model: str = "") -> pb.TokenizePromptResponse:
        return self.call(self.stub.TokenizePrompt, pb.TokenizePromptRequest(prompt=prompt, model=model), timeout=120)

    def submit(self, request: pb.GenerateRequest) -> pb.Job:
        return self.call(self.stub.Submit, request, timeout=300)

    def cancel(self, job_id: str) -> pb.CancelResponse:
        return self.call(self.stub.Cancel, pb.CancelRequest(job_id=job_id))

    def watch(self, job_id: str, after_seq: int = 0, reconnects: int = 3) -> Iterator[pb.JobEvent]:
        """Yields the job's events until its final one, resuming after a dropped stream."""
        seq = after_seq
        while True:
            try:
                for event in self.stub.Watch(pb.WatchRequest(job_id=job_id, after_seq=seq), metadata=self._metadata):
                    seq = event.seq
                    yield event
                return
            except grpc.RpcError as exc:
                if exc.code() != grpc.StatusCode.UNAVAILABLE or reconnects <= 0:
                    raise self._error(exc) from None
                reconnects -= 1
