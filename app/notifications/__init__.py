"""Messages to one staff member (reminders, missed deadlines, escalations): the inbox, the
unread count in the navbar, and marking read. Any domain may write to it."""
