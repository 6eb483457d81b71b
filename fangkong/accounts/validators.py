"""Password rules with messages in our own catalogue (Django's zh-Hans lacks some of them)."""

from __future__ import annotations

from django.contrib.auth import password_validation as pv
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class MinimumLengthValidator(pv.MinimumLengthValidator):
    def validate(self, password, user=None):
        if len(password) < self.min_length:
            raise ValidationError(self.get_error_message(), code="password_too_short")

    def get_error_message(self) -> str:
        return _("密码太短，至少需要 %(min_length)d 个字符") % {"min_length": self.min_length}

    def get_help_text(self) -> str:
        return _("密码至少需要 %(min_length)d 个字符") % {"min_length": self.min_length}


class CommonPasswordValidator(pv.CommonPasswordValidator):
    # Django's list (20,000 common passwords) covers 123456, 1qaz2wsx, woaini1314 and the like.
    def validate(self, password, user=None):
        if password.lower().strip() in self.passwords:
            raise ValidationError(self.get_error_message(), code="password_too_common")

    def get_error_message(self) -> str:
        return _("密码太常见，容易被猜中，请换一个")

    def get_help_text(self) -> str:
        return _("不能使用常见密码")


class NumericPasswordValidator(pv.NumericPasswordValidator):
    def validate(self, password, user=None):
        if password.isdigit():
            raise ValidationError(self.get_error_message(), code="password_entirely_numeric")

    def get_error_message(self) -> str:
        return _("密码不能全是数字（如生日、手机号），请加入字母")

    def get_help_text(self) -> str:
        return _("不能全是数字")
