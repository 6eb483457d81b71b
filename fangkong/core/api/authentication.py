"""API authentication: DRF's token scheme, with the user's area loaded in the same query."""

from rest_framework import authentication


class TokenAuthentication(authentication.TokenAuthentication):
    """``Authorization: Token <key>``. Every scoped API call reads ``user.area`` (the subtree
    it may see); joining it here saves that call a query of its own."""

    def authenticate_credentials(self, key):
        model = self.get_model()
        token = model.objects.select_related("user", "user__area").filter(key=key).first()
        if token is None or not token.user.is_active:
            # DRF's own refusal, with its messages and translations.
            return super().authenticate_credentials(key)
        return (token.user, token)
