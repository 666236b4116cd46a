def demo_cards(builder):
    pass


def demo_cards_reset(subdistrict):
    pass
