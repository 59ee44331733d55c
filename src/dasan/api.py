"""The one place routers are mounted; every route declares an access policy (core.deps)."""

from __future__ import annotations

from fastapi import FastAPI

from dasan.admin import views as admin
from dasan.attachments import views as attachments
from dasan.cases import views as cases
from dasan.cases.open311 import views as open311
from dasan.channels import intake, mms, sms, webchat, webhook
from dasan.conversations import views as conversations
from dasan.knowledge import views as knowledge
from dasan.observability import views as observability
from dasan.orgs import views as orgs
from dasan.protect import views as protect
from dasan.quality import views as quality
from dasan.reports import views as reports
from dasan.retention import views as retention
from dasan.routing import views as routing
from dasan.security import views as audit
from dasan.supervisor import views as supervisor
from dasan.trends import views as trends
from dasan.voice import views as voice
from dasan.web import views as web

ROUTERS = (web.router, conversations.router, orgs.router, knowledge.router, supervisor.router, reports.router,
           routing.router, intake.router, sms.router, mms.router, webhook.router,
           webchat.router, attachments.router, cases.router, open311.router, voice.router, observability.router,
           protect.router, audit.router, audit.me_router, retention.router, admin.router, trends.router,
           trends.alerts_router, quality.router)


def mount(app: FastAPI) -> None:
    for router in ROUTERS:
        app.include_router(router)
