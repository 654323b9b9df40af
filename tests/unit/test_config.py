import pytest

from portal import create_app
from portal.config import ConfigurationError


def test_production_refuses_the_demo_provider_and_default_secret(monkeypatch):
    monkeypatch.setenv("VALINTA_ENV", "production")
    from portal.config import ProductionConfig

    monkeypatch.setattr(ProductionConfig, "DEMO_IDP", True)
    with pytest.raises(ConfigurationError) as error:
        create_app("production")
    message = str(error.value)
    assert "DEMO_IDP" in message and "SECRET_KEY" in message and "RESIDENT_OIDC_ISSUER" in message


def test_production_starts_with_proper_settings(monkeypatch):
    from portal.config import ProductionConfig

    settings = {
        "SECRET_KEY": "s" * 40,
        "HETU_HASH_KEY": "h" * 40,
        "OUTBOX_SECRET": "o" * 40,
        "RESIDENT_OIDC_ISSUER": "https://tunnistus.example.fi",
        "RESIDENT_OIDC_CLIENT_ID": "valinta",
        "STAFF_OIDC_ISSUER": "https://login.example.fi",
        "STAFF_OIDC_CLIENT_ID": "valinta-staff",
        "SQLALCHEMY_DATABASE_URI": "sqlite://",
        "TRUSTED_HOSTS": ["valinta.example.fi"],
    }
    for key, value in settings.items():
        monkeypatch.setattr(ProductionConfig, key, value)
    app = create_app("production")
    assert app.config["SESSION_COOKIE_NAME"].startswith("__Host-")
    assert app.config["SESSION_COOKIE_SECURE"]
