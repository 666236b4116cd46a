"""The assessment part of the demo: reviewed incidents and the cards they earned, and the
year's draft score sheets."""

from .demo_cards import demo_cards, demo_cards_reset
from .demo_yearend import demo_yearend, demo_yearend_reset


def demo_extend(builder):
    demo_cards(builder)
    demo_yearend(builder)


def demo_extend_reset(subdistrict):
    demo_yearend_reset(subdistrict)
    demo_cards_reset(subdistrict)
