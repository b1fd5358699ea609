from underpaint.v1 import underpaint_pb2 as _underpaint_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class HistoryEntry(_message.Message):
    __slots__ = ("id", "time", "host", "document", "parent_id", "job_id", "digest", "width", "height", "starred", "tags", "parameters", "thumbnail", "image", "x", "y", "document_width", "document_height", "source", "similarity")
    ID_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    HOST_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    PARENT_ID_FIELD_NUMBER: _ClassVar[int]
    JOB_ID_FIELD_NUMBER: _ClassVar[int]
    DIGEST_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    STARRED_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    THUMBNAIL_FIELD_NUMBER: _ClassVar[int]
    IMAGE_FIELD_NUMBER: _ClassVar[int]
    X_FIELD_NUMBER: _ClassVar[int]
    Y_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_WIDTH_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_HEIGHT_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    SIMILARITY_FIELD_NUMBER: _ClassVar[int]
    id: str
    time: float
    host: str
    document: str
    parent_id: str
    job_id: str
    digest: str
    width: int
    height: int
    starred: bool
    tags: _containers.RepeatedScalarFieldContainer[str]
    parameters: _underpaint_pb2.GenerationParameters
    thumbnail: _underpaint_pb2.Image
    image: _underpaint_pb2.Image
    x: int
    y: int
    document_width: int
    document_height: int
    source: str
    similarity: float
    def __init__(self, id: _Optional[str] = ..., time: _Optional[float] = ..., host: _Optional[str] = ..., document: _Optional[str] = ..., parent_id: _Optional[str] = ..., job_id: _Optional[str] = ..., digest: _Optional[str] = ..., width: _Optional[int] = ..., height: _Optional[int] = ..., starred: _Optional[bool] = ..., tags: _Optional[_Iterable[str]] = ..., parameters: _Optional[_Union[_underpaint_pb2.GenerationParameters, _Mapping]] = ..., thumbnail: _Optional[_Union[_underpaint_pb2.Image, _Mapping]] = ..., image: _Optional[_Union[_underpaint_pb2.Image, _Mapping]] = ..., x: _Optional[int] = ..., y: _Optional[int] = ..., document_width: _Optional[int] = ..., document_height: _Optional[int] = ..., source: _Optional[str] = ..., similarity: _Optional[float] = ...) -> None: ...

class SearchHistoryRequest(_message.Message):
    __slots__ = ("text", "model", "after", "before", "tags", "host", "document", "starred_only", "limit", "cursor", "no_thumbnails", "meaning", "example", "thumbnail_format")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    AFTER_FIELD_NUMBER: _ClassVar[int]
    BEFORE_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    HOST_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    STARRED_ONLY_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    NO_THUMBNAILS_FIELD_NUMBER: _ClassVar[int]
    MEANING_FIELD_NUMBER: _ClassVar[int]
    EXAMPLE_FIELD_NUMBER: _ClassVar[int]
    THUMBNAIL_FORMAT_FIELD_NUMBER: _ClassVar[int]
    text: str
    model: str
    after: float
    before: float
    tags: _containers.RepeatedScalarFieldContainer[str]
    host: str
    document: str
    starred_only: bool
    limit: int
    cursor: str
    no_thumbnails: bool
    meaning: str
    example: _underpaint_pb2.Image
    thumbnail_format: _underpaint_pb2.PixelFormat
    def __init__(self, text: _Optional[str] = ..., model: _Optional[str] = ..., after: _Optional[float] = ..., before: _Optional[float] = ..., tags: _Optional[_Iterable[str]] = ..., host: _Optional[str] = ..., document: _Optional[str] = ..., starred_only: _Optional[bool] = ..., limit: _Optional[int] = ..., cursor: _Optional[str] = ..., no_thumbnails: _Optional[bool] = ..., meaning: _Optional[str] = ..., example: _Optional[_Union[_underpaint_pb2.Image, _Mapping]] = ..., thumbnail_format: _Optional[_Union[_underpaint_pb2.PixelFormat, str]] = ...) -> None: ...

class SearchHistoryResponse(_message.Message):
    __slots__ = ("entries", "next_cursor", "total", "bytes_used", "bytes_budget")
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_CURSOR_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    BYTES_USED_FIELD_NUMBER: _ClassVar[int]
    BYTES_BUDGET_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[HistoryEntry]
    next_cursor: str
    total: int
    bytes_used: int
    bytes_budget: int
    def __init__(self, entries: _Optional[_Iterable[_Union[HistoryEntry, _Mapping]]] = ..., next_cursor: _Optional[str] = ..., total: _Optional[int] = ..., bytes_used: _Optional[int] = ..., bytes_budget: _Optional[int] = ...) -> None: ...

class GetHistoryEntryRequest(_message.Message):
    __slots__ = ("id", "format")
    ID_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    id: str
    format: _underpaint_pb2.PixelFormat
    def __init__(self, id: _Optional[str] = ..., format: _Optional[_Union[_underpaint_pb2.PixelFormat, str]] = ...) -> None: ...

class DeleteHistoryEntriesRequest(_message.Message):
    __slots__ = ("ids",)
    IDS_FIELD_NUMBER: _ClassVar[int]
    ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, ids: _Optional[_Iterable[str]] = ...) -> None: ...

class DeleteHistoryEntriesResponse(_message.Message):
    __slots__ = ("deleted",)
    DELETED_FIELD_NUMBER: _ClassVar[int]
    deleted: int
    def __init__(self, deleted: _Optional[int] = ...) -> None: ...

class UpdateHistoryEntryRequest(_message.Message):
    __slots__ = ("id", "starred", "add_tags", "remove_tags")
    ID_FIELD_NUMBER: _ClassVar[int]
    STARRED_FIELD_NUMBER: _ClassVar[int]
    ADD_TAGS_FIELD_NUMBER: _ClassVar[int]
    REMOVE_TAGS_FIELD_NUMBER: _ClassVar[int]
    id: str
    starred: bool
    add_tags: _containers.RepeatedScalarFieldContainer[str]
    remove_tags: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, id: _Optional[str] = ..., starred: _Optional[bool] = ..., add_tags: _Optional[_Iterable[str]] = ..., remove_tags: _Optional[_Iterable[str]] = ...) -> None: ...

class ImportHistoryImageRequest(_message.Message):
    __slots__ = ("image", "file_name", "host", "tags")
    IMAGE_FIELD_NUMBER: _ClassVar[int]
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    HOST_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    image: _underpaint_pb2.Image
    file_name: str
    host: str
    tags: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, image: _Optional[_Union[_underpaint_pb2.Image, _Mapping]] = ..., file_name: _Optional[str] = ..., host: _Optional[str] = ..., tags: _Optional[_Iterable[str]] = ...) -> None: ...

class Style(_message.Message):
    __slots__ = ("name", "prompt", "negative_prompt", "steps", "guidance", "sampler", "width", "height", "description")
    NAME_FIELD_NUMBER: _ClassVar[int]
    PROMPT_FIELD_NUMBER: _ClassVar[int]
    NEGATIVE_PROMPT_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    GUIDANCE_FIELD_NUMBER: _ClassVar[int]
    SAMPLER_FIELD_NUMBER: _ClassVar[int]
    WIDTH_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    name: str
    prompt: str
    negative_prompt: str
    steps: int
    guidance: float
    sampler: str
    width: int
    height: int
    description: str
    def __init__(self, name: _Optional[str] = ..., prompt: _Optional[str] = ..., negative_prompt: _Optional[str] = ..., steps: _Optional[int] = ..., guidance: _Optional[float] = ..., sampler: _Optional[str] = ..., width: _Optional[int] = ..., height: _Optional[int] = ..., description: _Optional[str] = ...) -> None: ...

class ListStylesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListStylesResponse(_message.Message):
    __slots__ = ("styles",)
    STYLES_FIELD_NUMBER: _ClassVar[int]
    styles: _containers.RepeatedCompositeFieldContainer[Style]
    def __init__(self, styles: _Optional[_Iterable[_Union[Style, _Mapping]]] = ...) -> None: ...

class DeleteStyleRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class DeleteStyleResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ImportStylesRequest(_message.Message):
    __slots__ = ("text", "format", "replace")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    REPLACE_FIELD_NUMBER: _ClassVar[int]
    text: str
    format: str
    replace: bool
    def __init__(self, text: _Optional[str] = ..., format: _Optional[str] = ..., replace: _Optional[bool] = ...) -> None: ...

class ImportStylesResponse(_message.Message):
    __slots__ = ("imported", "skipped")
    IMPORTED_FIELD_NUMBER: _ClassVar[int]
    SKIPPED_FIELD_NUMBER: _ClassVar[int]
    imported: int
    skipped: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, imported: _Optional[int] = ..., skipped: _Optional[_Iterable[str]] = ...) -> None: ...

class ExportStylesRequest(_message.Message):
    __slots__ = ("format",)
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    format: str
    def __init__(self, format: _Optional[str] = ...) -> None: ...

class ExportStylesResponse(_message.Message):
    __slots__ = ("text",)
    TEXT_FIELD_NUMBER: _ClassVar[int]
    text: str
    def __init__(self, text: _Optional[str] = ...) -> None: ...

class CheckConceptRequest(_message.Message):
    __slots__ = ("text", "model", "neighbours")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    NEIGHBOURS_FIELD_NUMBER: _ClassVar[int]
    text: str
    model: str
    neighbours: int
    def __init__(self, text: _Optional[str] = ..., model: _Optional[str] = ..., neighbours: _Optional[int] = ...) -> None: ...

class ConceptToken(_message.Message):
    __slots__ = ("token", "id", "neighbours")
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    NEIGHBOURS_FIELD_NUMBER: _ClassVar[int]
    token: str
    id: int
    neighbours: _containers.RepeatedCompositeFieldContainer[ConceptNeighbour]
    def __init__(self, token: _Optional[str] = ..., id: _Optional[int] = ..., neighbours: _Optional[_Iterable[_Union[ConceptNeighbour, _Mapping]]] = ...) -> None: ...

class ConceptNeighbour(_message.Message):
    __slots__ = ("token", "id", "similarity")
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    SIMILARITY_FIELD_NUMBER: _ClassVar[int]
    token: str
    id: int
    similarity: float
    def __init__(self, token: _Optional[str] = ..., id: _Optional[int] = ..., similarity: _Optional[float] = ...) -> None: ...

class CheckConceptResponse(_message.Message):
    __slots__ = ("tokens", "single_token", "model", "neighbours", "archive_ids")
    TOKENS_FIELD_NUMBER: _ClassVar[int]
    SINGLE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    NEIGHBOURS_FIELD_NUMBER: _ClassVar[int]
    ARCHIVE_IDS_FIELD_NUMBER: _ClassVar[int]
    tokens: _containers.RepeatedCompositeFieldContainer[ConceptToken]
    single_token: bool
    model: str
    neighbours: _containers.RepeatedCompositeFieldContainer[ConceptNeighbour]
    archive_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, tokens: _Optional[_Iterable[_Union[ConceptToken, _Mapping]]] = ..., single_token: _Optional[bool] = ..., model: _Optional[str] = ..., neighbours: _Optional[_Iterable[_Union[ConceptNeighbour, _Mapping]]] = ..., archive_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class InterrogateRequest(_message.Message):
    __slots__ = ("image", "terms")
    IMAGE_FIELD_NUMBER: _ClassVar[int]
    TERMS_FIELD_NUMBER: _ClassVar[int]
    image: _underpaint_pb2.Image
    terms: int
    def __init__(self, image: _Optional[_Union[_underpaint_pb2.Image, _Mapping]] = ..., terms: _Optional[int] = ...) -> None: ...

class InterrogateTerm(_message.Message):
    __slots__ = ("list", "term", "similarity")
    LIST_FIELD_NUMBER: _ClassVar[int]
    TERM_FIELD_NUMBER: _ClassVar[int]
    SIMILARITY_FIELD_NUMBER: _ClassVar[int]
    list: str
    term: str
    similarity: float
    def __init__(self, list: _Optional[str] = ..., term: _Optional[str] = ..., similarity: _Optional[float] = ...) -> None: ...

class InterrogateResponse(_message.Message):
    __slots__ = ("prompt", "terms", "model")
    PROMPT_FIELD_NUMBER: _ClassVar[int]
    TERMS_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    prompt: str
    terms: _containers.RepeatedCompositeFieldContainer[InterrogateTerm]
    model: str
    def __init__(self, prompt: _Optional[str] = ..., terms: _Optional[_Iterable[_Union[InterrogateTerm, _Mapping]]] = ..., model: _Optional[str] = ...) -> None: ...
