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


DEMO_SECRETS = {"SECRET_KEY": "s" * 40, "HETU_HASH_KEY": "h" * 40, "OUTBOX_SECRET": "o" * 40}
DEMO_SECRETS |= {"VALTUUDET_API_KEY": "v" * 40, "VALTUUDET_OAUTH_SECRET": "w" * 40}


def demo_settings(**changes) -> dict:
    """ProductionDemoConfig's settings (`make run-prod`) with the secrets the stack generates, and `changes`."""
    from portal.config import ProductionDemoConfig

    settings = {name: getattr(ProductionDemoConfig, name) for name in dir(ProductionDemoConfig) if name.isupper()}
    return {**settings, **DEMO_SECRETS, **changes}


def test_production_demo_starts_with_the_demo_identification_and_says_so_loudly(monkeypatch, capsys):
    from portal.config import DEMO_NOTICE, ProductionDemoConfig

    monkeypatch.delenv("VALINTA_NOTICE_SHOWN", raising=False)
    for key, value in {**DEMO_SECRETS, "SQLALCHEMY_DATABASE_URI": "sqlite://"}.items():
        monkeypatch.setattr(ProductionDemoConfig, key, value)
    app = create_app("production-demo")
    assert app.config["DEMO_IDP"] and app.config["HETU_ALLOW_TEMPORARY"]
    assert app.config["SESSION_COOKIE_NAME"].startswith("__Host-") and app.config["SESSION_COOKIE_SECURE"]
    assert app.config["WTF_CSRF_SSL_STRICT"] and app.config["RATE_LIMITS_ENABLED"] and not app.config.get("TESTING")
    assert app.config["TRUSTED_HOSTS"] == ["127.0.0.1", "localhost"]
    assert f"!!! {DEMO_NOTICE} !!!" in capsys.readouterr().err

    # A supervisor that has shown the notice once keeps its children quiet.
    monkeypatch.setenv("VALINTA_NOTICE_SHOWN", "1")
    create_app("production-demo")
    assert DEMO_NOTICE not in capsys.readouterr().err


def test_only_production_demo_turns_the_demo_identification_into_a_warning():
    from portal.config import DEMO_NOTICE, check_production

    assert check_production(demo_settings()) == [DEMO_NOTICE]
    with pytest.raises(ConfigurationError) as error:
        check_production(demo_settings(ENV_NAME="production"))
    message = str(error.value)
    for refused in ("DEMO_IDP", "HETU_ALLOW_TEMPORARY", "RESIDENT_OIDC_ISSUER", "STAFF_OIDC_ISSUER", "VALTUUDET_URL"):
        assert refused in message
    assert "MAIL_URL must be an smtp://" in message  # the demo's folder of e-mails


@pytest.mark.parametrize(
    ("changes", "refused"),
    [
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"HETU_HASH_KEY": ""}, "HETU_HASH_KEY"),
        ({"OUTBOX_SECRET": ""}, "OUTBOX_SECRET"),
        ({"TRUSTED_HOSTS": None}, "TRUSTED_HOSTS"),
        ({"SESSION_COOKIE_SECURE": False}, "SESSION_COOKIE_SECURE"),
        ({"RESIDENT_OIDC_ISSUER": "http://idp.example.fi"}, "RESIDENT_OIDC_ISSUER"),  # http only on loopback
        ({"STAFF_OIDC_CLIENT_ID": ""}, "STAFF_OIDC_CLIENT_ID"),
        ({"VALTUUDET_URL": "http://valtuudet.example.fi"}, "VALTUUDET_URL"),
        ({"VALTUUDET_API_KEY": ""}, "VALTUUDET_API_KEY"),
        ({"MAIL_URL": "http://mail.example.fi"}, "MAIL_URL"),
    ],
)
def test_production_demo_keeps_the_other_production_checks(changes, refused):
    from portal.config import check_production

    with pytest.raises(ConfigurationError) as error:
        check_production(demo_settings(**changes))
    assert refused in str(error.value)
