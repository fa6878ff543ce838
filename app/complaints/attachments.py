"""Evidence files: checked by content and size, stored outside the web root under random
names, and served only to users who may see the case."""
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

import filetype
import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from app.core import clock
from app.core.params import parse_id

from . import workflow
from .enums import EventKind
from .models import Attachment

# Photos, videos and PDF (domain.md: Intake — evidence photos, video).
ALLOWED_TYPES = {
    "image/jpeg", "image/png", "image/gif", "image/webp", "image/heic",
    "video/mp4", "video/quicktime", "video/webm", "video/3gpp",
    "application/pdf",
}


@dataclass
class StoredFile:
    attachment: Attachment
    path: Path


def _folder() -> Path:
    folder = Path(current_app.config["ATTACHMENT_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def attach(session: Session, actor: workflow.Actor, complaint_id, upload) -> Attachment:
    """Store an uploaded file as evidence of a case and log it, or raise and keep nothing."""
    complaint = workflow.load(session, actor, complaint_id)
    if not actor.may("attach"):
        raise workflow.Forbidden(_("Your role may not attach evidence."))
    if complaint.status in workflow.FINAL:
        raise workflow.IllegalTransition(_("A %(status)s case takes no more evidence.", status=complaint.status.label))
    if upload is None or not upload.filename:
        raise workflow.InvalidInput(_("Choose a file."), {"file": _("Choose a file.")})
    limit = current_app.config["ATTACHMENT_MAX_BYTES"]
    data = upload.stream.read(limit + 1)
    if len(data) > limit:
        raise workflow.InvalidInput(_("The file is larger than %(mb)d MB.", mb=limit // (1024 * 1024)),
                                    {"file": _("Too large.")})
    kind = filetype.guess(data)
    # The type is read from the content, never trusted from the name or the browser.
    if kind is None or kind.mime not in ALLOWED_TYPES:
        raise workflow.InvalidInput(_("Only photos, videos and PDF files can be attached."),
                                    {"file": _("File type not allowed.")})
    stored_name = f"{uuid.uuid4().hex}.{kind.extension}"
    path = _folder() / stored_name
    path.write_bytes(data)
    try:
        now = clock.now()
        attachment = Attachment(complaint=complaint, original_name=os.path.basename(upload.filename)[:255],
                                stored_name=stored_name, content_type=kind.mime, size=len(data),
                                uploaded_by_id=actor.user_id, uploaded_at=now)
        session.add(attachment)
        workflow.log_event(session, actor, complaint, EventKind.ATTACHMENT, attachment.original_name, now)
        session.commit()
    except Exception:
        session.rollback()
        path.unlink(missing_ok=True)
        raise
    return attachment


def open_for(session: Session, actor: workflow.Actor, complaint_id, attachment_id) -> StoredFile:
    """The stored file of an attachment of a case the actor may see, or NotFound."""
    complaint = workflow.load(session, actor, complaint_id)
    attachment_id = parse_id(attachment_id)
    attachment = None if attachment_id is None else session.scalars(sa.select(Attachment).where(
        Attachment.id == attachment_id, Attachment.complaint_id == complaint.id)).one_or_none()
    if attachment is None:
        raise workflow.NotFound(_("File not found."))
    path = _folder() / attachment.stored_name
    if not path.is_file():
        raise workflow.NotFound(_("File not found."))
    return StoredFile(attachment, path)
