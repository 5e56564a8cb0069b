"""Reviewer tasks, written once for every flow that needs a human decision.

- ``decisions``: the task a workflow waits on (``OpenTask``) and the rules a decision must pass
  (``check_decision``): a known task, an offered choice, an allowed role, a decider not excluded,
  a reason long enough. Plain Python, unit-tested without Temporal.
- ``desk``: the workflow side. ``TaskDesk`` holds the open task and the decision that the
  ``decide`` update (``DECIDE``, the one name every flow answers) delivers; ``wait_until`` is the
  one deadline wait; ``remind_before`` reminds ahead of a deadline; ``workflow_step_id`` gives a
  retried step a stable id.
- ``inbox``: the activity side, the contract of open / remind / close: ``task_opened``,
  ``task_reminded``, ``task_closed`` build the events and ``publish`` emits them on ``tasks.events``
  (key = task id) through the service's outbox, once per step behind a ``step_id`` guard.
- ``ids``: ``step_id``, the stable id of a step however often it is retried.

Adding a kind of task: a ``TaskKind`` member, an open and a close activity (``task_opened`` /
``task_closed`` + ``publish``), and in the workflow a ``TaskDesk`` with the three-line ``decide``
update (see docs/development.md).
"""

from .decisions import ADMIN, DECIDE, PLAIN, DecisionRefused, OpenTask, Wording, check_decision
from .ids import step_id

__all__ = ["ADMIN", "DECIDE", "PLAIN", "DecisionRefused", "OpenTask", "Wording", "check_decision", "step_id"]
