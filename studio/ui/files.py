"""Upload components whose API parameters refuse a plain string in words, by name.

gradio_client sends a plain string as text, not as a file: the caller must
wrap a local path in handle_file(). Gradio's own data models answer a plain
string with a pydantic validation dump; these say what to do instead. They
are Gradio's own Image and Video with another data model, so the page is
unchanged.
"""

from __future__ import annotations

from typing import Any

import gradio as gr
from pydantic import model_validator
from pydantic.json_schema import SkipJsonSchema

from studio.ui.compat import file_models, validated_by

FileData, ImageData = file_models()

HOW = ("wrap the local path in gradio_client's handle_file(), e.g. handle_file({example!r}); "
       "a plain string is sent as text, not as a file")


def _keep_text(value: Any) -> Any:
    """A plain string passes validation marked, so the endpoint can name the parameter in its refusal.

    (A gr.Error raised here would reach the caller wrapped in a pydantic dump.)
    """
    if isinstance(value, str):
        return {"path": "", "sent_as_text": value[:200], "meta": {"_type": "gradio.FileData"}}
    return value


class ImageFile(ImageData):
    sent_as_text: SkipJsonSchema[str | None] = None

    @model_validator(mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        return _keep_text(value)


class VideoFile(FileData):
    sent_as_text: SkipJsonSchema[str | None] = None

    @model_validator(mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        return _keep_text(value)


def refuse_text(**values: Any) -> None:
    """Refuse, by parameter name, an image or video that the caller sent as a plain string."""
    for name, value in values.items():
        text = value.get("sent_as_text") if isinstance(value, dict) else None
        if text:
            example = "clip.mp4" if name == "video" else "frame.png"
            raise gr.Error(f"{name} got the text {text!r}, not a file: " + HOW.format(example=example),
                           title="Check your input")


def image_upload(**kw) -> gr.Image:
    """Gradio's own Image, its API parameter refusing a plain string by name (ImageFile)."""
    return validated_by(gr.Image(**kw), ImageFile)


def video_upload(**kw) -> gr.Video:
    """Gradio's own Video, its API parameter refusing a plain string by name (VideoFile)."""
    return validated_by(gr.Video(**kw), VideoFile)
