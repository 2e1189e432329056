"""The label's standard licence tiers (four for tracks, one for sample packs) with plain-language terms,
version 1: standing data, created by migration 0002 and again after every `migrate` and `flush` when the shop
has no tier at all (a fresh or flushed database, e.g. after a transactional test).

Only an empty tier table is filled: once any tier exists, the tiers are Finance's and Editors' (prices, terms
versions, retired tiers), and a later migrate never re-adds or changes one.
"""

from __future__ import annotations

COMMON = """
How this licence works
- It is non-exclusive: other people can license the same {subject} too.
- It is worldwide and lasts forever for work you publish while the licence is valid.
- It is personal to the licensee named on the certificate. You cannot sell, give away or transfer it,
  except to a company that takes over the project it was bought for.
- You may edit, loop, shorten, fade and mix the {subject} to fit your work.
- You do not own the {subject}: the label keeps the copyright and all rights this licence does not grant.
- Some of our music is made with the label's own generative tools. That does not change your rights.

What is never allowed
- Selling, sharing or uploading the {subject} on its own or as the main part of a product
  (for example as a music track, a ringtone, a sample or a loop library).
- Registering the {subject}, or a work built around it, with Content ID or any other fingerprinting or
  rights-collection system.
- Claiming that you wrote or own the {subject}.
- Using it in anything hateful, defamatory or illegal, or to train AI models.

Content ID claims
If a platform claims your video or stream, register your YouTube channel on your "My downloads" page (where
your tier allows it) or send us the claim with your licence code. We will release valid claims.

If the payment is refunded or charged back, the licence ends and the code shows as revoked. Work published
before that date may stay online only if we agree in writing.

Anyone can check this licence at the verification address on the certificate.
These terms are governed by the law of the country where the label is established.
"""

TIERS = [
    {
        "slug": "personal",
        "name": "Personal",
        "position": 1,
        "price_minor": 900,
        "max_channels": 1,
        "summary": "For your own projects that don't earn money: home videos, school work, hobby streams.",
        "permits": "Personal videos and slideshows, weddings and family events\n"
        "School, university and portfolio projects\n"
        "Non-monetised YouTube videos, social posts and streams\n"
        "Allow-list 1 YouTube channel against Content ID claims",
        "excludes": "Monetised channels, sponsorships or ads\n"
        "Work for clients or businesses\n"
        "TV, radio, film and broadcast",
        "body": """
What you can do
You may use the track in personal projects that do not earn money: videos and slideshows of your own life and
events, school, university and portfolio work, and non-monetised posts and streams on your own channels.

What you cannot do with this tier
- Use it where you earn money from the content: monetised channels, sponsorships, affiliate links, tips
  or paid subscriptions tied to the content.
- Use it for a business, a brand or a client, or in advertising of any kind.
- Use it on TV, radio, in cinemas, on streaming services or in apps and games.
Upgrade to Creator or Commercial for those uses.
""",
    },
    {
        "slug": "creator",
        "name": "Creator",
        "position": 2,
        "price_minor": 2900,
        "max_channels": 3,
        "summary": "For monetised YouTube, Twitch, TikTok, Instagram and podcasts on your own channels.",
        "permits": "Monetised YouTube videos, Shorts and live streams\n"
        "Twitch, TikTok, Instagram, Facebook and podcasts, with ads and sponsorships\n"
        "Allow-list up to 3 YouTube channels against Content ID claims\n"
        "Any number of videos and streams on your own channels",
        "excludes": "Paid advertising campaigns\nWork made for clients\nTV, radio, film, apps and games",
        "body": """
What you can do
You may use the track in any number of videos, streams, Shorts, reels and podcast episodes published on
channels you own or run as a creator, including when they are monetised with ads, sponsorships, memberships,
tips or affiliate links. You can register up to 3 YouTube channels for Content ID allow-listing.

What you cannot do with this tier
- Use it in paid advertising (boosted posts, pre-roll, TV or online ad campaigns).
- Use it in work you make for a client or for a business other than your own creator channels.
- Use it on TV, radio, in cinemas, on streaming services or in apps and games.
Commercial and Sync/Broadcast cover those uses.
""",
    },
    {
        "slug": "commercial",
        "name": "Commercial",
        "position": 3,
        "price_minor": 9900,
        "max_channels": 10,
        "summary": "For businesses, brands and client work: ads online, corporate video, apps and games.",
        "permits": "Everything in Creator\n"
        "Online advertising and paid social campaigns\n"
        "Client work, corporate and product videos, presentations and events\n"
        "Apps, games and e-learning (up to 100,000 sales or downloads)\n"
        "Allow-list up to 10 YouTube channels against Content ID claims",
        "excludes": "TV and radio broadcast, cinema and streaming-service productions",
        "body": """
What you can do
You may use the track in content for a business or brand, including your clients': online and social
advertising (paid or not), corporate, product and training videos, presentations, trade shows and events,
websites, and apps, games and e-learning with up to 100,000 sales or downloads. The licence covers one
licensee (you or the client named at checkout) and any number of projects for them. You can register up to
10 YouTube channels for Content ID allow-listing.

What you cannot do with this tier
- Use it in TV or radio broadcasts, in cinemas, or in productions made for streaming services.
- Use it in apps, games or e-learning beyond 100,000 sales or downloads.
Sync/Broadcast covers those uses.
""",
    },
    {
        "slug": "sync-broadcast",
        "name": "Sync / Broadcast",
        "position": 4,
        "price_minor": 49900,
        "max_channels": 10,
        "summary": "For TV, radio, film, streaming services and broadcast advertising.",
        "permits": "Everything in Commercial\n"
        "TV and radio programmes and broadcast advertising\n"
        "Films, documentaries, festivals and cinema\n"
        "Productions for streaming services\n"
        "Apps and games without a download limit",
        "excludes": "Music-only releases (albums, playlists, compilations)",
        "body": """
What you can do
You may synchronise the track with one production and every version, trailer and promotional cut of it:
a TV or radio programme or series season, a film or documentary (festival, cinema, TV, streaming and home
video), a broadcast or cinema advertising campaign, or an app or game without a download limit. Online and
social use of the same production is included. You can register up to 10 YouTube channels for Content ID
allow-listing.

What you cannot do with this tier
- Release the track as music on its own (albums, playlists, compilations, soundtrack records); ask us.
- Use one licence for several unrelated productions: buy one per production.
Public performance royalties for broadcasts are collected by collecting societies as usual; cue sheets
should name the track, the label and the ISRC on the certificate.
""",
    },
]

PACK_TIER = {
    "slug": "sample-pack",
    "name": "Sample pack licence",
    "position": 1,
    "price_minor": 0,
    "max_channels": 0,
    "summary": "Royalty-free use of the sounds in music you make and release.",
    "permits": "Use the loops, one-shots and MIDI in your own songs, beats and productions\n"
    "Release, stream, sell and sync the music you make with them, with no royalties to us\n"
    "Edit, chop, pitch, layer and process the sounds as you like",
    "excludes": "Selling or sharing the sounds themselves, or in other sample packs, kits or templates\n"
    "Registering music that uses them with Content ID",
    "body": """
What you can do
You may use the loops, one-shots and MIDI files of the pack in musical works you create: songs, beats,
soundtracks and productions for yourself or for clients. You may release, stream, perform, sell and sync those
works anywhere, forever, without paying us royalties or crediting us (a credit is always appreciated).

What you cannot do
- Sell, share or give away the sounds or MIDI themselves, alone or in sample packs, sound libraries, construction
  kits, DAW templates, presets or AI training sets, even if you have changed them.
- Release a sound from the pack on its own or with only minor changes as a music track.
- Register a work that uses the sounds with Content ID or any other fingerprinting system: other buyers use the
  same sounds, and their music must not be claimed.

This licence is personal to the buyer named on the certificate. If the payment is refunded or charged back,
the licence ends. Anyone can check it at the verification address on the certificate.
""",
}


def default_tiers_ensure(apps, schema_editor=None) -> None:
    """Create the standard tiers and their version-1 terms if there is no licence tier yet."""
    LicenceTier = apps.get_model("monetization", "LicenceTier")
    LicenceTerms = apps.get_model("monetization", "LicenceTerms")
    if LicenceTier.objects.exists():
        return
    for scope, entries, subject in (("track", TIERS, "track"), ("pack", [PACK_TIER], "sounds")):
        for entry in entries:
            data = dict(entry)
            body = data.pop("body")
            tier = LicenceTier.objects.create(**data, scope=scope, currency="usd", is_active=True)
            text = f"{tier.name} licence\n{tier.summary}\n{body}"
            if scope == "track":
                text += COMMON.format(subject=subject)
            LicenceTerms.objects.create(tier=tier, version=1, text=text.strip() + "\n")
