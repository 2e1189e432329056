"""YouTube API answers for community tests, served by googleapiclient's HttpMockSequence (no network)."""

from __future__ import annotations

import json

from googleapiclient.http import HttpMockSequence


def youtube_http(*bodies, statuses=None) -> HttpMockSequence:
    """Answers each API call in turn with a JSON body (and optional HTTP status); `.request_sequence` keeps
    what was asked. A call beyond the answers given fails the test (popping an empty sequence raises)."""
    statuses = statuses or ["200"] * len(bodies)
    return HttpMockSequence(
        [({"status": status}, json.dumps(body)) for status, body in zip(statuses, bodies, strict=True)]
    )


def thread(thread_id: str, text: str, published_at: str, *, author: str = "Mia", channel_id: str = "UCmia") -> dict:
    """One commentThreads.list item, as the API returns it."""
    return {
        "id": thread_id,
        "snippet": {
            "totalReplyCount": 0,
            "topLevelComment": {
                "id": f"c-{thread_id}",
                "snippet": {
                    "authorDisplayName": author,
                    "authorChannelId": {"value": channel_id},
                    "textDisplay": text,
                    "publishedAt": published_at,
                    "likeCount": 1,
                },
            },
        },
    }


def threads_page(*items: dict, next_page_token: str | None = None) -> dict:
    page = {"items": list(items)}
    if next_page_token:
        page["nextPageToken"] = next_page_token
    return page
