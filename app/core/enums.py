"""The labelled-enum base every domain's enumerations use, and the handling tiers."""
import enum

from flask_babel import lazy_gettext as _l


class LabeledEnum(enum.Enum):
    """An enum whose members print as their label in the user's language."""

    @property
    def label(self):
        return self._labels()[self]

    @classmethod
    def _labels(cls):
        raise NotImplementedError

    @classmethod
    def choices(cls):
        return [(m.name, m.label) for m in cls]

    def __str__(self):
        return str(self.label)

    def __html__(self):
        return str(self.label)


class Tier(enum.IntEnum):
    """Handling tier (domain.md: Who works in it)."""

    CUSTOMER_SERVICE = 1
    SUPERVISOR = 2
    GENERAL_MANAGER = 3

    @property
    def label(self):
        return {
            Tier.CUSTOMER_SERVICE: _l("Tier 1 · Customer Service"),
            Tier.SUPERVISOR: _l("Tier 2 · Supervisor"),
            Tier.GENERAL_MANAGER: _l("Tier 3 · General Manager"),
        }[self]

    @property
    def short_label(self):
        """The tier alone ("第二层"), where its role is clear from the context (the timeline)."""
        return {Tier.CUSTOMER_SERVICE: _l("Tier 1"), Tier.SUPERVISOR: _l("Tier 2"),
                Tier.GENERAL_MANAGER: _l("Tier 3")}[self]
