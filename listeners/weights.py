"""How much each kind of interaction says about a listener's taste, for the learned recommender. A purchase
(money spent) says most, a single preview play least; repeated plays add up (capped in training)."""

INTERACTION_WEIGHTS = {"play": 1.0, "playlist_add": 2.0, "favourite": 3.0, "purchase": 5.0}
PLAY_STRENGTH_CAP = 5.0  # plays of one track count at most this much: replaying a preview is not a purchase
