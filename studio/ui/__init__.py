"""The Gradio interface: thin, no HTTP and no ffmpeg; everything goes through the service."""
