"""The daemon as a host sees it: one object with a method per RPC (over the HTTP gateway)."""

from __future__ import annotations

from . import capabilities, discovery
from .connect import ConnectClient
from .errors import DaemonTooOld
from .protocol import pb, pb_board
from .tls import TlsSettings

SUPPORTED_PROTOCOL_MAJOR = 1
_UNDERPAINT = "underpaint.v1.Underpaint"
_BOARD = "underpaint.v1.Board"
# Extra seconds a long-poll socket waits beyond the server-side wait (slow machines, big bodies).
_POLL_GRACE_S = 15.0
# Requests carrying pixels: a floor, plus time per byte for upload, decoding and planning on a
# busy machine. Generous on purpose: giving up early on a Submit the daemon then queues would
# leave a job nobody watches.
_PIXELS_FLOOR_S = 60.0
_PIXELS_BYTES_PER_S = 10e6


def connect_daemon(address: str | None = None, token: str | None = None,
                   token_file: str | None = None, timeout: float = 10.0, *, tls: bool | None = None,
                   ca_file: str | None = None, fingerprint: str | None = None) -> "Daemon":
    """Finds the daemon, checks it speaks protocol v1 and returns a Daemon.

    TLS: an "https://" address, `tls=True`, a `ca_file` or a `fingerprint` (also from
    $UNDERPAINT_CA_FILE / $UNDERPAINT_FINGERPRINT) turn it on; with none of them the running
    daemon's daemon.json decides for its own address (and gives the fingerprint to pin).

    Raises DaemonNotRunning (nothing answers), DaemonTooOld (another protocol major),
    TlsError (the certificate is not the trusted one) or RequestRejected (e.g. "unauthenticated"
    with a wrong token)."""
    daemon = Daemon(discovery.resolve_address(address),
                    discovery.resolve_token(token, token_file), timeout,
                    tls=discovery.resolve_tls(address, tls, ca_file, fingerprint))
    info = daemon.get_info()
    if info.protocol_major != SUPPORTED_PROTOCOL_MAJOR:
        daemon.close()
        raise DaemonTooOld(info.protocol_major, info.daemon_version)
    return daemon


class Daemon:
    """Thread-safe: each thread uses its own keep-alive connection."""

    def __init__(self, address: str, token: str | None = None, timeout: float = 10.0,
                 tls: TlsSettings | None = None):
        self._client = ConnectClient(address, token, timeout, tls)
        self.info: pb.Info | None = None

    @property
    def address(self) -> str:
        return self._client.address

    @property
    def tls(self) -> TlsSettings | None:
        return self._client.tls

    @property
    def timeout(self) -> float:
        return self._client.timeout

    def close(self) -> None:
        self._client.close()

    def call(self, service: str, method: str, request, response_type, timeout: float | None = None):
        """Any unary RPC, e.g. call("underpaint.v1.Underpaint", "GetInfo", req, pb.Info)."""
        return self._client.call(service, method, request, response_type, timeout)

    # --- Underpaint service -------------------------------------------------------------------

    def get_info(self) -> pb.Info:
        self.info = self.call(_UNDERPAINT, "GetInfo", pb.GetInfoRequest(), pb.Info)
        self._client.max_request_bytes = self.info.max_message_bytes
        return self.info

    def list_models(self, rescan: bool = False) -> pb.ListModelsResponse:
        return self.call(_UNDERPAINT, "ListModels", pb.ListModelsRequest(rescan=rescan),
                         pb.ListModelsResponse)

    def models(self, rescan: bool = False) -> list:
        return list(self.list_models(rescan).models)

    def list_samplers(self) -> pb.ListSamplersResponse:
        return self.call(_UNDERPAINT, "ListSamplers", pb.ListSamplersRequest(),
                         pb.ListSamplersResponse)

    def samplers(self) -> list:
        return list(self.list_samplers().samplers)

    def submit(self, request: pb.GenerateRequest) -> pb.Job:
        """Raises DaemonLacksFeature, before sending, for what this daemon's GetInfo does not offer."""
        if self.info is not None:
            capabilities.check(request, self.info)
        return self.call(_UNDERPAINT, "Submit", request, pb.Job, self._pixels_timeout(request))

    def poll(self, job_id: str, after_seq: int = 0, wait_ms: int = 10000) -> pb.PollEventsResponse:
        request = pb.PollEventsRequest(job_id=job_id, after_seq=after_seq, wait_ms=wait_ms)
        return self.call(_UNDERPAINT, "PollEvents", request, pb.PollEventsResponse,
                         self.timeout + wait_ms / 1000 + _POLL_GRACE_S)

    def cancel(self, job_id: str) -> int:
        """Cancels one job; returns its pb.JobStatus value after the request."""
        return self.call(_UNDERPAINT, "Cancel", pb.CancelRequest(job_id=job_id),
                         pb.CancelResponse).status

    def tokenize_prompt(self, prompt: str, model: str = "") -> pb.TokenizePromptResponse:
        """How `model` reads `prompt`: chunks of tokens with weights, LoRA tags, embeddings
        (prompts.counter_label turns it into "68/75 · 2 chunks")."""
        return self.call(_UNDERPAINT, "TokenizePrompt", pb.TokenizePromptRequest(prompt=prompt, model=model),
                         pb.TokenizePromptResponse)

    def detect_faces(self, image: pb.Image, min_confidence: float = 0.0,
                     detector: str = "") -> pb.DetectFacesResponse:
        """Faces in `image`, largest first (x, y, width, height, score); quick, not a job."""
        request = pb.DetectFacesRequest(image=image, min_confidence=min_confidence, detector=detector)
        return self.call(_UNDERPAINT, "DetectFaces", request, pb.DetectFacesResponse,
                         self._pixels_timeout(request))

    def _pixels_timeout(self, request) -> float:
        return max(self.timeout, _PIXELS_FLOOR_S) + request.ByteSize() / _PIXELS_BYTES_PER_S

    # --- Board service ------------------------------------------------------------------------

    def publish(self, channel: str, image: pb.Image, meta: pb_board.BoardMeta | None = None):
        """Publishes an image to a board channel; returns the pb_board.BoardEntry (no image)."""
        request = pb_board.PublishRequest(channel=channel, image=image, meta=meta)
        return self.call(_BOARD, "Publish", request, pb_board.BoardEntry,
                         self._pixels_timeout(request))

    def fetch(self, channel: str, version: int = 0,
              format: int = pb.PIXEL_FORMAT_RGBA8):  # noqa: A002 - the proto's name
        """One version of a channel (0 = latest) with its image: a pb_board.BoardEntry."""
        request = pb_board.FetchRequest(channel=channel, version=version, format=format)
        return self.call(_BOARD, "Fetch", request, pb_board.BoardEntry,
                         max(self.timeout, _PIXELS_FLOOR_S))

    def list_channels(self) -> list:
        """The board's channels (pb_board.Channel, latest entry without image)."""
        return list(self.call(_BOARD, "List", pb_board.ListChannelsRequest(),
                              pb_board.ListChannelsResponse).channels)

    def delete_channel(self, channel: str) -> int:
        """Deletes a channel; returns how many versions were deleted."""
        return self.call(_BOARD, "Delete", pb_board.DeleteChannelRequest(channel=channel),
                         pb_board.DeleteChannelResponse).versions_deleted

    def poll_board(self, channels=(), after_cursor: int = 0, wait_ms: int = 10000):
        """Long-polls board updates; returns pb_board.PollBoardResponse (pass .cursor back)."""
        request = pb_board.PollBoardRequest(channels=list(channels), after_cursor=after_cursor,
                                            wait_ms=wait_ms)
        return self.call(_BOARD, "PollBoard", request, pb_board.PollBoardResponse,
                         self.timeout + wait_ms / 1000 + _POLL_GRACE_S)
