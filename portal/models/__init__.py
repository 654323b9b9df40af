"""SQLAlchemy 2.0 typed models, one module per area; imported here so Alembic sees them all."""

from portal.models.audit import AuditEvent
from portal.models.catalogue import (
    CatalogueApproval,
    CatalogueImport,
    CatalogueLocation,
    CatalogueOrganisation,
    CatalogueOverlayLoad,
    CatalogueService,
)
from portal.models.chat import ChatMessage, Conversation, HelplineCall, HelplinePresence
from portal.models.choice import (
    Choice,
    IntervalOverride,
    ListingSlot,
    OrganiserSetting,
    OutboxMessage,
    SettingChange,
    UnitCapacity,
)
from portal.models.feedback import Feedback
from portal.models.flags import Flag, FlagEvent, FlagNotification, FlagProvider
from portal.models.limits import RateLimitCounter
from portal.models.mandates import Mandate
from portal.models.people import Person, StaffRoleGrant, StaffUser
from portal.models.wallet import Budget, BudgetAllocation, BudgetTransaction, Voucher, VoucherProvider, WalletImport
from portal.models.web_session import WebSession

__all__ = [
    "ChatMessage",
    "Conversation",
    "HelplineCall",
    "HelplinePresence",
    "Feedback",
    "Flag",
    "FlagEvent",
    "FlagNotification",
    "FlagProvider",
    "Budget",
    "BudgetAllocation",
    "BudgetTransaction",
    "Mandate",
    "Voucher",
    "VoucherProvider",
    "WalletImport",
    "AuditEvent",
    "CatalogueApproval",
    "CatalogueImport",
    "CatalogueLocation",
    "CatalogueOrganisation",
    "CatalogueOverlayLoad",
    "CatalogueService",
    "Choice",
    "IntervalOverride",
    "ListingSlot",
    "OrganiserSetting",
    "OutboxMessage",
    "Person",
    "RateLimitCounter",
    "SettingChange",
    "StaffRoleGrant",
    "StaffUser",
    "UnitCapacity",
    "WebSession",
]
