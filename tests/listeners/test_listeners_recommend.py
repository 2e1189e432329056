"""More like this, For you, the nightly training and its schedule, the preview-play log and A/B tests."""

from __future__ import annotations

import pytest
from django_q.models import Schedule

from catalog.models import Mood
from listeners import services
from listeners.models import (
    Experiment,
    ExperimentEvent,
    Favourite,
    PreviewPlay,
    Recommender,
    RecommenderModel,
    Surface,
    SurfaceSetting,
)
from listeners.procedures import TRAIN_TASK
from listeners.recommend.abtest import assign_variant
from tests.factories import StyleFactory
from tests.listeners.conftest import signed_in_client
from tests.monetization.factories import licensable_track


def _track(title, *, bpm, key, mode, style, mood, energy):
    track = licensable_track(title=title, bpm=bpm, key=key, mode=mode, style=StyleFactory(slug=style), energy=energy)
    track.moods.set([Mood.objects.get_or_create(slug=mood, defaults={"name": mood.title()})[0]])
    return track


@pytest.fixture
def catalogue(db):
    return {
        "seed": _track("Rain Seed", bpm=80, key="A", mode="minor", style="jazzhop", mood="rainy", energy=0.3),
        "twin": _track("Rain Twin", bpm=81, key="A", mode="minor", style="jazzhop", mood="rainy", energy=0.32),
        "far": _track("Club Far", bpm=128, key="F#", mode="major", style="house", mood="happy", energy=0.95),
        "near": _track("Rain Near", bpm=79, key="C", mode="major", style="jazzhop", mood="rainy", energy=0.35),
    }


def test_more_like_this_on_the_track_page_ranks_the_similar_track_first(client, catalogue):
    page = client.get(f"/tracks/{catalogue['seed'].uuid}/").content.decode()
    section = page[page.index("More like this") :]
    assert section.index("Rain Twin") < section.index("Rain Near") < section.index("Club Far")
    assert "Rain Seed</a>" not in section  # never itself


def test_for_you_learns_from_listeners_and_serves_newcomers_by_content(client, catalogue, listener_factory):
    seed, twin, near, far = catalogue["seed"], catalogue["twin"], catalogue["near"], catalogue["far"]
    # Two listeners who like the rainy pair; one who likes the club track and the rainy "near" one.
    for email in ("a@example.com", "b@example.com"):
        listener = listener_factory(email)
        Favourite.objects.create(listener=listener, track=seed)
        Favourite.objects.create(listener=listener, track=twin)
    c = listener_factory("c@example.com")
    Favourite.objects.create(listener=c, track=far)
    Favourite.objects.create(listener=c, track=near)
    model = services.recommender_train()
    assert model.is_active and model.metrics["listeners"] == 3
    d = listener_factory("d@example.com")
    Favourite.objects.create(listener=d, track=seed)
    # d joined after training: a newcomer, served by content from what they saved.
    picks = services.recommend(surface=Surface.FOR_YOU, recommender=Recommender.LEARNED, listener=d, n=3)
    assert picks[0] == twin and seed not in picks
    # a, known to the model, gets what people like them like and never what they saved already.
    a_picks = services.recommend(
        surface=Surface.FOR_YOU, recommender=Recommender.LEARNED, listener=listener_factory("a@example.com"), n=2
    )
    assert seed not in a_picks and twin not in a_picks
    client, _ = signed_in_client(client, "d@example.com")
    home = client.get("/").content.decode()
    assert "For you" in home and "Rain Twin" in home[home.index("For you") :]


def test_the_nightly_training_is_scheduled(db):
    schedule = Schedule.objects.get(func=TRAIN_TASK)
    assert schedule.schedule_type == Schedule.DAILY and schedule.repeats == -1


def test_training_with_nobody_to_learn_from_keeps_the_old_model(db):
    assert services.recommender_train() is None
    assert not RecommenderModel.objects.exists()


def test_a_preview_play_is_logged_with_a_hashed_visitor_only(client, catalogue):
    track = catalogue["seed"]
    assert client.post("/listen/play/", {"track": str(track.uuid)}).json() == {"logged": True}
    assert client.post("/listen/play/", {"track": str(track.uuid)}).json() == {"logged": False}  # same listen
    play = PreviewPlay.objects.get()
    assert play.listener is None and len(play.visitor_hash) == 64
    assert client.session.session_key not in play.visitor_hash
    assert client.post("/listen/play/", {"track": "nope"}).status_code == 400


def test_variants_are_stable_per_visitor_and_split_visitors(db):
    variants = ["popular", "learned"]
    assert assign_variant("exp", "visitor-1", variants) == assign_variant("exp", "visitor-1", variants)
    share = sum(assign_variant("exp", f"v{i}", variants) == "learned" for i in range(2000)) / 2000
    assert 0.45 < share < 0.55


def test_an_experiment_counts_impressions_clicks_plays_and_promotes_the_winner(client, catalogue, superuser):
    experiment = Experiment.objects.create(
        slug="mlt-1",
        name="More like this: content vs popular",
        surface=Surface.MORE_LIKE_THIS,
        variants=["content", "popular"],
    )
    page = client.get(f"/tracks/{catalogue['seed'].uuid}/").content.decode()
    impression = ExperimentEvent.objects.get(kind=ExperimentEvent.Kind.IMPRESSION)
    start = page.index("More like this")
    link = page[page.index('href="/listen/go/', start) + 6 :].split('"')[0]
    response = client.get(link)
    assert response.status_code == 302 and response["Location"].startswith("/tracks/")
    click = ExperimentEvent.objects.get(kind=ExperimentEvent.Kind.CLICK)
    assert click.variant == impression.variant and click.visitor_hash == impression.visitor_hash
    client.post("/listen/play/", {"track": str(click.track.uuid)})
    client.post("/listen/event/", {"kind": "cart_add", "track": str(click.track.uuid)})
    kinds = set(ExperimentEvent.objects.values_list("kind", flat=True))
    assert kinds == {"impression", "click", "play", "cart_add"}

    setting = services.experiment_promote(experiment=experiment, actor=superuser)
    experiment.refresh_from_db()
    assert experiment.status == "finished" and experiment.winner == click.variant
    assert SurfaceSetting.objects.get(surface=Surface.MORE_LIKE_THIS).recommender == setting.recommender
    client.get(f"/tracks/{catalogue['seed'].uuid}/")
    assert ExperimentEvent.objects.filter(kind="impression").count() == 1  # finished: nothing counted any more


def test_a_first_time_visitors_track_page_stays_shareable_by_the_page_cache(settings, catalogue):
    from django.test import Client

    settings.PUBLIC_PAGE_CACHE_S = 60
    url = f"/tracks/{catalogue['seed'].uuid}/"
    first, second = Client().get(url), Client().get(url)
    assert "More like this" in second.content.decode()
    assert second["X-Page-Cache"] == "hit" and "sessionid" not in first.cookies
    assert 'name="csrf-token"' not in first.content.decode()  # no visitor's token outside the swapped forms


def test_a_purchase_counts_for_the_variant_the_buyer_clicked_through(client, catalogue):
    from monetization.services import order_fulfil
    from tests.monetization.factories import pending_order

    experiment = Experiment.objects.create(
        slug="mlt-buy", name="Buy test", surface=Surface.MORE_LIKE_THIS, variants=["content", "popular"]
    )
    page = client.get(f"/tracks/{catalogue['seed'].uuid}/").content.decode()
    link = page[page.index('href="/listen/go/', page.index("More like this")) + 6 :].split('"')[0]
    client.get(link)
    clicked = ExperimentEvent.objects.get(kind="click").track
    order = pending_order(tracks_and_tiers=[(clicked, "creator")], email="buyer@example.com")
    session = client.session
    session["checkout_orders"] = [str(order.uuid)]
    session.save()
    assert client.post("/listen/event/", {"kind": "purchase_check"}).json() == {"counted": 0}  # not paid yet
    order_fulfil(order=order, payment_intent_id="pi_ab", amount_total_minor=order.total_minor, currency=order.currency)
    assert client.post("/listen/event/", {"kind": "purchase_check"}).json() == {"counted": 1}
    assert client.post("/listen/event/", {"kind": "purchase_check"}).json() == {"counted": 0}  # once
    purchase = ExperimentEvent.objects.get(kind="purchase")
    assert purchase.experiment == experiment and purchase.track == clicked


def test_track_and_release_pages_carry_open_graph_and_twitter_tags(client, catalogue):
    from catalog.models import Release, ReleaseTrack

    track = catalogue["seed"]
    page = client.get(f"/tracks/{track.uuid}/").content.decode()
    assert f'property="og:title" content="Rain Seed by {track.artist.name}"' in page
    assert 'property="og:type" content="music.song"' in page and 'name="twitter:card"' in page
    assert 'property="og:audio" content="http://shop.test/media/' in page
    release = Release.objects.create(title="Rain EP", artist=track.artist, kind=Release.Kind.EP, status="published")
    ReleaseTrack.objects.create(release=release, track=track, position=1)
    page = client.get(release.get_absolute_url()).content.decode()
    assert f'property="og:title" content="Rain EP by {track.artist.name}"' in page
    assert 'property="og:type" content="music.album"' in page


def test_training_with_enough_listeners_records_its_leave_one_out_hit_rates(db):
    tracks = [licensable_track(title=f"T{n}", bpm=70 + n) for n in range(12)]
    from listeners.models import Listener

    for n in range(24):  # two tastes: the first six tracks or the last six
        listener = Listener.objects.create(email=f"l{n}@example.com")
        liked = tracks[:6] if n % 2 else tracks[6:]
        Favourite.objects.bulk_create([Favourite(listener=listener, track=t) for t in liked[n % 3 : n % 3 + 4]])
    model = services.recommender_train()
    assert model.metrics["listeners"] == 24 and model.metrics["evaluated_listeners"] == 24
    assert 0 <= model.metrics["hit_rate_at_10_popular"] <= 1
    assert model.metrics["hit_rate_at_10_learned"] >= 0.5  # the two tastes are easy to learn


def test_a_track_added_after_the_pool_was_built_is_recommended_at_once(catalogue):
    seed = catalogue["seed"]
    before = services.recommend(surface=Surface.MORE_LIKE_THIS, recommender=Recommender.CONTENT, track=seed, n=2)
    newcomer = _track("Rain Newcomer", bpm=80, key="A", mode="minor", style="jazzhop", mood="rainy", energy=0.3)
    after = services.recommend(surface=Surface.MORE_LIKE_THIS, recommender=Recommender.CONTENT, track=seed, n=2)
    assert newcomer not in before and after[0] == newcomer


def test_the_nightly_run_forgets_year_old_plays_and_trains(catalogue, listener_factory):
    import datetime as dt

    from django.utils import timezone

    from listeners.tasks import recommender_train_task

    for email in ("a@example.com", "b@example.com"):
        Favourite.objects.create(listener=listener_factory(email), track=catalogue["seed"])
    old = PreviewPlay.objects.create(track=catalogue["seed"], visitor_hash="x" * 64)
    PreviewPlay.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=400))
    recent = PreviewPlay.objects.create(track=catalogue["seed"], visitor_hash="y" * 64)
    recommender_train_task()
    assert list(PreviewPlay.objects.all()) == [recent]
    assert RecommenderModel.objects.get(is_active=True).metrics["listeners"] == 2


def test_the_demo_listener_is_marked_and_never_counted(catalogue):
    from listeners.demo import demo_listener
    from listeners.models import Listener

    lines = []
    demo_listener(lines.append)
    demo_listener(lines.append)  # idempotent
    demo = Listener.objects.get()
    assert demo.is_demo and demo.is_public and demo.playlists.get().items.count() == 4
    assert services.recommender_train() is None  # nothing real to learn from
    from listeners import selectors

    assert selectors.popularity([t.pk for t in catalogue.values()]) == {}
