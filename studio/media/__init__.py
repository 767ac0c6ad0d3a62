"""Media work: probe, validate, render previews, posters, frames, audio."""
