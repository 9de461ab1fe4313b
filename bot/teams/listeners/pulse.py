"""The pulse's card submits in Teams: the answers (counted anonymously), "Make it a commitment" (a lead gets the
commitment form filled in) and "Run a pulse now"."""

from __future__ import annotations

from typing import Any

from bot.core.alliance import Caller
from bot.core.commitments.results import FormRequested
from bot.core.errors import CommandError
from bot.core.outcomes import Reply
from bot.core.pulse.commands import PulseNow
from bot.teams import pulse_cards
from bot.teams.activity import Activity
from bot.teams.front import TeamsFrontEnd
from bot.texts import pulse as pulse_texts

ACTIONS = (pulse_cards.ANSWER, pulse_cards.COMMIT, pulse_cards.NOW)


def handle(front: TeamsFrontEnd, activity: Activity, value: dict[str, Any], caller: Caller) -> None:
    """Carry out a pulse card's submit. Raises KeyError, TypeError or ValueError on data we did not send."""
    action = value["alliance"]
    if action == pulse_cards.NOW:
        front.run(PulseNow(), caller, activity)
        return
    round_id = int(value["r"])
    try:
        if action == pulse_cards.ANSWER:
            ratings = {int(k[1:]): int(v) for k, v in value.items() if k[:1] == "q" and k[1:].isdigit() and v}
            remark = str(value.get(pulse_cards.REMARK) or "")
            thanks = front.service.answer_pulse(
                round_id=round_id, user_id=caller.user_id, ratings=ratings, remark=remark
            )
            front.reply(activity, pulse_texts.thanks(thanks))
            return
        title = front.service.pulse_commitment(
            channel_id=caller.channel_id, user_id=caller.user_id, round_id=round_id, number=int(value["n"])
        )
    except CommandError as e:
        front.refuse(e, activity)
        return
    front.answer_own_way(Reply(outcome=FormRequested(prefill=title)), caller, activity)
