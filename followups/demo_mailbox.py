"""The demo mailbox generator (see `followups.demo`): `write_demo_mbox(path, now, seed)`."""

from followups.demo import (COLLEAGUE_EMAIL, DEMO_INTERNAL_DOMAIN, DEMO_USER_EMAIL, DemoSummary,
                            Scenario, write_demo_mbox)

__all__ = ["COLLEAGUE_EMAIL", "DEMO_INTERNAL_DOMAIN", "DEMO_USER_EMAIL", "DemoSummary",
           "Scenario", "write_demo_mbox"]
