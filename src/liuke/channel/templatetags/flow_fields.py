"""Flow-import field names as people read them, and the column-mapping form of the upload page."""

from __future__ import annotations

from typing import Any

from django import template

from liuke.channel.flow import field_label
from liuke.channel.forms import FlowMappingForm

register = template.Library()


@register.filter
def flow_field(key: str) -> str:
    """``buyer_name`` → 购货单位名称 (empty stays empty)."""
    return field_label(key) if key else ""


@register.simple_tag(takes_context=True)
def flow_mapping_form(context: Any, headers: list[str]) -> FlowMappingForm:
    """The mapping form for ``headers``, keeping the choices of the post that showed it again."""
    request = context.get("request")
    posted = request.POST if request is not None and request.method == "POST" else {}
    chosen = {k[4:]: v for k, v in posted.items() if k.startswith("map:") and k[4:] in headers}
    return FlowMappingForm(headers=headers, chosen=chosen)
