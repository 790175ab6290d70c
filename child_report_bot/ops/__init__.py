"""Operations: start-up checks, the instance lock, logging set-up (entry level, like ``bot``)."""
