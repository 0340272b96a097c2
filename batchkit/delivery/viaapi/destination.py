"""The ledger's name for an API destination: the URL the records go to, e.g.
`https://api.impact.com/Advertisers/IRxxxx/Actions?CampaignId=4636` (never the token)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from batchkit.api.settings import ApiSettings
from batchkit.delivery.records import Outgoing

MARK = "/Actions?CampaignId="


def api_destination_url(settings: ApiSettings) -> str:
    """Where records of `settings`' account and campaign go."""
    return f"{settings.url.rstrip('/')}{settings.base}{MARK}{settings.campaign_id}"


def is_api_destination(url: str) -> bool:
    """Whether a ledger destination is an API one (records, not a file in a drop)."""
    return MARK in url and url.startswith(("https://", "http://"))


def account_of(url: str) -> tuple[str, str, str]:
    """(API root, AccountSID, CampaignId) of an API destination url."""
    parts = urlsplit(url)
    sid = parts.path.split("/Advertisers/", 1)[1].split("/", 1)[0]
    return f"{parts.scheme}://{parts.netloc}", sid, parse_qs(parts.query).get("CampaignId", [""])[0]


@dataclass(frozen=True)
class ApiDestination:
    """An account's campaign, reached through the API (the Destination protocol of targets.py)."""

    settings: ApiSettings

    @property
    def url(self) -> str:
        """The ledger's name for it."""
        return api_destination_url(self.settings)

    def remote(self, name: str) -> str:
        """Records, not files, arrive: the file's name with the destination."""
        return f"{name} -> {self.url}"

    def check(self, item: Outgoing) -> None:
        """Nothing to check without the API (the plan's findings are checked before any request)."""
