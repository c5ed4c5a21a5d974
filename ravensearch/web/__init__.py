"""HTTP adapters: the JSON API, the webhook intake and (later) the admin UI. Handlers stay thin."""
