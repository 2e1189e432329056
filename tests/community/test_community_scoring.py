"""Comment scoring rules: pure functions, no database."""

from __future__ import annotations

import pytest

from lofi_site import text_scoring
from lofi_site.text_scoring import ScoringRules, Triage, comment_verdict, initial_triage, is_superfan


def test_praise_is_positive_and_a_clear_complaint_negative():
    assert comment_verdict("I love this, perfect for studying at night").label == "positive"
    assert comment_verdict("This is boring and the mix is awful").label == "negative"
    assert comment_verdict("").label == "neutral"


def test_a_link_to_another_site_is_spam_but_a_youtube_link_is_not():
    spam = comment_verdict("great beats, more at www.cheap-followers.xyz/now")
    timestamp = comment_verdict("the part at https://youtu.be/abc?t=42 is so good")

    assert spam.is_spam and any(r.startswith("link") for r in spam.reasons)
    assert not timestamp.is_spam


def test_blocklisted_phrases_are_spam_as_whole_words_only():
    assert comment_verdict("Sub4sub? check my channel").is_spam
    assert not comment_verdict("my cryptography exam went well with this on").is_spam  # "crypto" inside a word


def test_the_blocklist_comes_from_the_rules():
    rules = ScoringRules(spam_words=("pineapple",))

    assert comment_verdict("pineapple pizza vibes", rules=rules).is_spam
    assert not comment_verdict("sub4sub", rules=rules).is_spam


def test_repeated_text_is_spam_once_copied_often_enough_but_short_praise_never():
    text = "Wow amazing music, everyone go listen to this right now!!"

    assert not comment_verdict(text, copies_elsewhere=1).is_spam
    assert comment_verdict(text, copies_elsewhere=2).is_spam  # the third copy
    assert comment_verdict(text, copies_elsewhere=1, same_author_copies=1).is_spam  # same author again
    assert not comment_verdict("love this", copies_elsewhere=50).is_spam


def test_copies_are_recognised_through_case_punctuation_and_accents():
    assert text_scoring.normalise_text("Café  VIBES!!! so good...") == text_scoring.normalise_text("cafe vibes so good")


def test_abuse_needs_both_a_very_negative_score_and_an_abusive_word():
    abusive = comment_verdict("you are an idiot, this is garbage and I hate you")
    slang = comment_verdict("this beat is stupid good, I love it so much")
    harsh_without_insult = comment_verdict("I hate this, the worst mix I have ever heard, terrible")

    assert abusive.is_abusive and abusive.sentiment <= text_scoring.VERY_NEGATIVE_MAX
    assert not slang.is_abusive
    assert not harsh_without_insult.is_abusive


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("you are an idiot, this is garbage and I hate you", Triage.ESCALATED),
        ("free followers at www.spam-site.xyz", Triage.IGNORED),
        ("What is the name of the track at 3:20?", Triage.NEEDS_REPLY),
        ("Nice and calm", Triage.NEW),
    ],
)
def test_initial_triage(text, expected):
    assert initial_triage(comment_verdict(text)) == expected


def test_a_superfan_is_loyal_across_videos_not_loud_on_one():
    assert is_superfan({"a": 2, "b": 1}, min_positive=3, min_videos=2)
    assert not is_superfan({"a": 5}, min_positive=3, min_videos=2)
    assert not is_superfan({"a": 1, "b": 1}, min_positive=3, min_videos=2)
    assert not is_superfan({"a": 3, "b": 0}, min_positive=3, min_videos=2)
