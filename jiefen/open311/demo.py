"""The demo's Open311 client (演示数据): a hotline of 古湖街道(演示) whose api_key is the
published `demo-open311-key`, with its service account (no password, cannot log in)."""

from jiefen.organisation.demo import DEMO_NOTE

from .models import Open311Client, Open311Request
from .services import open311_client_create

DEMO_CLIENT_NAME = "古湖街道12345热线(演示)"
DEMO_KEY = "demo-open311-key"


def demo_extend(builder):
    open311_client_create(
        name=DEMO_CLIENT_NAME, subdistrict=builder.subdistrict, key=DEMO_KEY, note=f"Open311 接口服务账号，不能登录（{DEMO_NOTE}）"
    )


def demo_extend_reset(subdistrict):
    # The service accounts hold a role in the subdistrict's centre, so the organisation's reset
    # removes them with the other people, after the cases and events that name them.
    Open311Request.objects.filter(client__subdistrict=subdistrict).delete()
    Open311Client.objects.filter(subdistrict=subdistrict).delete()
