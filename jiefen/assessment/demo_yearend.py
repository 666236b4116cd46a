def demo_yearend(builder):
    pass


def demo_yearend_reset(subdistrict):
    pass
