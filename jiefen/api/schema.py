"""The OpenAPI document: every operation lists the error body it may answer with, and the
token scheme is described as both `Token <key>` and `Bearer <key>`."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema

from .serializers import ErrorSerializer

ERROR_RESPONSES = {
    "400": _("请求参数或数据有误；fields 按字段列出问题。"),
    "401": _("未登录，或令牌无效、已吊销。"),
    "403": _("可以看到该案件，但无权执行此操作。"),
    "404": _("案件不存在或不在本人的可见范围内。"),
    "429": _("请求过于频繁；Retry-After 说明需等待的秒数。"),
}
WRITE_ERROR_RESPONSES = {
    "409": _("案件已被他人更新（expected_version 不符），或当前状态不允许该操作。"),
    "415": _("请求体须为 application/json。"),
}


class AutoSchema(SpectacularAutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        errors = dict(ERROR_RESPONSES)
        if self.method in ("POST", "PUT", "PATCH", "DELETE"):
            errors.update(WRITE_ERROR_RESPONSES)
        for code, description in errors.items():
            if code not in responses:
                responses[code] = {**self._get_response_for_code(ErrorSerializer, code, direction=direction), "description": description}
        if "default" not in responses:
            responses["default"] = {
                **self._get_response_for_code(ErrorSerializer, "default", direction=direction),
                "description": _("其他错误，格式相同。"),
            }
        return responses


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "jiefen.api.authentication.ApiTokenAuthentication"
    name = ["tokenAuth", "bearerAuth"]

    def get_security_requirement(self, auto_schema):
        # Either header form works: alternatives, not both at once.
        return [{"tokenAuth": []}, {"bearerAuth": []}]

    def get_security_definition(self, auto_schema):
        return [
            {
                "type": "apiKey",
                "in": "header",
                "name": "Authorization",
                "description": _("个人接口令牌，在 /api/tokens/ 创建：`Authorization: Token <令牌>`。"),
            },
            {"type": "http", "scheme": "bearer", "description": _("同一令牌：`Authorization: Bearer <令牌>`。")},
        ]
