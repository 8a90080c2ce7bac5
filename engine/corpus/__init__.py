"""Chinese corpora: streamed readers, parallel word counting, new-word discovery."""
