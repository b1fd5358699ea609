from underpaint.v1 import underpaint_pb2 as _underpaint_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class BoardMeta(_message.Message):
    __slots__ = ("source_app", "document", "layer", "note", "x", "y", "document_width", "document_height")
    SOURCE_APP_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    LAYER_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    X_FIELD_NUMBER: _ClassVar[int]
    Y_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_WIDTH_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_HEIGHT_FIELD_NUMBER: _ClassVar[int]
    source_app: str
    document: str
    layer: str
    note: str
    x: int
    y: int
    document_width: int
    document_height: int
    def __init__(self, source_app: _Optional[str] = ..., document: _Optional[str] = ..., layer: _Optional[str] = ..., note: _Optional[str] = ..., x: _Optional[int] = ..., y: _Optional[int] = ..., document_width: _Optional[int] = ..., document_height: _Optional[int] = ...) -> None: ...

class PublishRequest(_message.Message):
    __slots__ = ("channel", "image", "meta")
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    IMAGE_FIELD_NUMBER: _ClassVar[int]
    META_FIELD_NUMBER: _ClassVar[int]
    channel: str
    image: _underpaint_pb2.Image
    meta: BoardMeta
    def __init__(self, channel: _Optional[str] = ..., image: _Optional[_Union[_underpaint_pb2.Image, _Mapping]] = ..., meta: _Optional[_Union[BoardMeta, _Mapping]] = ...) -> None: ...

class BoardEntry(_message.Message):
    __slots__ = ("channel", "version", "digest", "width", "height", "time", "meta", "image")
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    DIGEST_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    META_FIELD_NUMBER: _ClassVar[int]
    IMAGE_FIELD_NUMBER: _ClassVar[int]
    channel: str
    version: int
    digest: str
    width: int
    height: int
    time: float
    meta: BoardMeta
    image: _underpaint_pb2.Image
    def __init__(self, channel: _Optional[str] = ..., version: _Optional[int] = ..., digest: _Optional[str] = ..., width: _Optional[int] = ..., height: _Optional[int] = ..., time: _Optional[float] = ..., meta: _Optional[_Union[BoardMeta, _Mapping]] = ..., image: _Optional[_Union[_underpaint_pb2.Image, _Mapping]] = ...) -> None: ...

class FetchRequest(_message.Message):
    __slots__ = ("channel", "version", "format")
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    channel: str
    version: int
    format: _underpaint_pb2.PixelFormat
    def __init__(self, channel: _Optional[str] = ..., version: _Optional[int] = ..., format: _Optional[_Union[_underpaint_pb2.PixelFormat, str]] = ...) -> None: ...

class ListChannelsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class Channel(_message.Message):
    __slots__ = ("name", "latest", "versions")
    NAME_FIELD_NUMBER: _ClassVar[int]
    LATEST_FIELD_NUMBER: _ClassVar[int]
    VERSIONS_FIELD_NUMBER: _ClassVar[int]
    name: str
    latest: BoardEntry
    versions: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, name: _Optional[str] = ..., latest: _Optional[_Union[BoardEntry, _Mapping]] = ..., versions: _Optional[_Iterable[int]] = ...) -> None: ...

class ListChannelsResponse(_message.Message):
    __slots__ = ("channels", "bytes_used", "bytes_budget")
    CHANNELS_FIELD_NUMBER: _ClassVar[int]
    BYTES_USED_FIELD_NUMBER: _ClassVar[int]
    BYTES_BUDGET_FIELD_NUMBER: _ClassVar[int]
    channels: _containers.RepeatedCompositeFieldContainer[Channel]
    bytes_used: int
    bytes_budget: int
    def __init__(self, channels: _Optional[_Iterable[_Union[Channel, _Mapping]]] = ..., bytes_used: _Optional[int] = ..., bytes_budget: _Optional[int] = ...) -> None: ...

class DeleteChannelRequest(_message.Message):
    __slots__ = ("channel",)
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    channel: str
    def __init__(self, channel: _Optional[str] = ...) -> None: ...

class DeleteChannelResponse(_message.Message):
    __slots__ = ("versions_deleted",)
    VERSIONS_DELETED_FIELD_NUMBER: _ClassVar[int]
    versions_deleted: int
    def __init__(self, versions_deleted: _Optional[int] = ...) -> None: ...

class SubscribeRequest(_message.Message):
    __slots__ = ("channels", "after_cursor")
    CHANNELS_FIELD_NUMBER: _ClassVar[int]
    AFTER_CURSOR_FIELD_NUMBER: _ClassVar[int]
    channels: _containers.RepeatedScalarFieldContainer[str]
    after_cursor: int
    def __init__(self, channels: _Optional[_Iterable[str]] = ..., after_cursor: _Optional[int] = ...) -> None: ...

class BoardUpdate(_message.Message):
    __slots__ = ("cursor", "entry", "deleted")
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    ENTRY_FIELD_NUMBER: _ClassVar[int]
    DELETED_FIELD_NUMBER: _ClassVar[int]
    cursor: int
    entry: BoardEntry
    deleted: bool
    def __init__(self, cursor: _Optional[int] = ..., entry: _Optional[_Union[BoardEntry, _Mapping]] = ..., deleted: _Optional[bool] = ...) -> None: ...

class PollBoardRequest(_message.Message):
    __slots__ = ("channels", "after_cursor", "wait_ms")
    CHANNELS_FIELD_NUMBER: _ClassVar[int]
    AFTER_CURSOR_FIELD_NUMBER: _ClassVar[int]
    WAIT_MS_FIELD_NUMBER: _ClassVar[int]
    channels: _containers.RepeatedScalarFieldContainer[str]
    after_cursor: int
    wait_ms: int
    def __init__(self, channels: _Optional[_Iterable[str]] = ..., after_cursor: _Optional[int] = ..., wait_ms: _Optional[int] = ...) -> None: ...

class PollBoardResponse(_message.Message):
    __slots__ = ("updates", "cursor")
    UPDATES_FIELD_NUMBER: _ClassVar[int]
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    updates: _containers.RepeatedCompositeFieldContainer[BoardUpdate]
    cursor: int
    def __init__(self, updates: _Optional[_Iterable[_Union[BoardUpdate, _Mapping]]] = ..., cursor: _Optional[int] = ...) -> None: ...
