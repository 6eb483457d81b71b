"""Field rules for check-ins, shared by staff entry, the self-report link and the importer."""

from __future__ import annotations

import unicodedata
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from fangkong.formats import joined

from .choices import Symptom

FEVER_THRESHOLD = Decimal("37.3")
TEMPERATURE_RANGE = (Decimal("34.0"), Decimal("43.0"))
SYMPTOM_VALUES = set(Symptom.values)
SYMPTOM_BY_LABEL = {str(s.label): s.value for s in Symptom}


def temperature_text(value) -> str:
    """A typed temperature in ASCII: NFKC turns full-width digits and stop (３６．５, common on
    phone keyboards) into 36.5 and ℃ into °C; the ideographic stop (36。5) and the unit go.

    What a guard types in a hurry on a numeric keypad is read too: a decimal comma (36,5, the
    only separator some keypads offer) and a forgotten point (365: three digits between 340
    and 430 can only be 36.5; no one's temperature is 365 ℃)."""
    text = str(value)
    if not text.isascii():  # a device's 36.5 needs none of this (every scan's temperature)
        text = unicodedata.normalize("NFKC", text).replace("。", ".")
    text = text.strip()
    for unit in ("°C", "°c", "°"):
        text = text.removesuffix(unit)
    text = text.strip().replace(",", ".")
    if len(text) == 3 and text.isdigit() and "340" <= text <= "430":
        text = f"{text[:2]}.{text[2]}"
    return text


def clean_temperature(value) -> Decimal:
    try:
        t = Decimal(temperature_text(value)).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        t = None
    if t is None or not t.is_finite():  # "NaN" parses, and then compares with an error
        raise ValidationError({"temperature": _("体温应填写数字，如 36.5")})
    low, high = TEMPERATURE_RANGE
    if not low <= t <= high:
        raise ValidationError({"temperature": _("体温应在 34.0–43.0℃ 之间")})
    return t


def encode_symptoms(symptoms) -> str:
    """``,cough,fatigue,`` from codes or Chinese labels (a string or a list)."""
    if isinstance(symptoms, str):
        symptoms = symptoms.replace("，", ",").replace("、", ",").split(",")
    values: list[str] = []
    for s in symptoms or []:
        s = str(s).strip()
        if not s or s == str(_("无")):
            continue
        value = s if s in SYMPTOM_VALUES else SYMPTOM_BY_LABEL.get(s)
        if value is None:
            raise ValidationError(
                {
                    "symptoms": _("未知症状“%(s)s”，可用：%(all)s")
                    % {"s": s, "all": joined(SYMPTOM_BY_LABEL)}
                }
            )
        if value not in values:
            values.append(value)
    values.sort(key=list(Symptom.values).index)
    return f",{','.join(values)}," if values else ""


def is_fever(temperature: Decimal) -> bool:
    return temperature >= FEVER_THRESHOLD
