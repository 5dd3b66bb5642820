"""The commented starter configuration that ``social-listen init`` writes."""

from __future__ import annotations

__all__ = ["STARTER_CONFIG"]

STARTER_CONFIG = """\
# social_listen configuration. Precedence: command-line arguments > SOCIAL_LISTEN_* environment
# variables > this file. Secrets never go here: name the environment variable that holds them.

# Time zone for reports and daily buckets, and the languages to detect.
timezone = "UTC"
languages = ["en", "hu", "ro"]

[store]
# SQLite file (the embedded default) or a PostgreSQL URL (pip install 'social-listen[postgres]').
url = "sqlite:///social_listen.sqlite"
# url = "postgresql://user@db.example/social_listen"

# One [[brands]] table per brand you monitor. Variants (typos, hashtags, handles, diacritics)
# are generated for you; see the brands guide.
[[brands]]
name = "Acme"
aliases = ["Acme Corp"]
products = ["Roadrunner Trap"]
handles = ["@acme"]
own_handles = ["acme_support"]   # replies from these accounts mark a mention responded
competitors = ["Globex"]
exclusions = ["acme of perfection"]

[[brands]]
name = "Globex"

# One [[sources]] table per source. 'query' defaults to the query compiled from the brands.
[[sources]]
connector = "hackernews"
interval = "10m"

[[sources]]
connector = "rss"
interval = "30m"
[sources.options]
feeds = ["https://www.example.com/feed.xml"]

# [[sources]]
# connector = "mastodon"
# interval = "5m"
# credentials = { access_token = "SOCIAL_LISTEN_MASTODON_TOKEN" }   # the variable's name, not the token
# [sources.options]
# instances = ["https://mastodon.social"]

# Alert rules and where they go.
[[alerts.sinks]]
name = "log"
kind = "jsonl"
path = "alerts.jsonl"

[[alerts.rules]]
name = "negative-influencer"
kind = "negative_influencer"
sinks = ["log"]
params = { min_influence = 60 }
"""
