"""RSS and Atom feeds: the one builder (``builder``) and the feed pages (``views``)."""
