"""Stop strings are cut across token boundaries, and partial matches are held back."""

from __future__ import annotations

from app.engine.text import StopFilter


def run(stops: list[str], pieces: list[str]) -> tuple[str, bool, list[str]]:
    stop_filter = StopFilter(stops)
    shown: list[str] = []
    for piece in pieces:
        text, stopped = stop_filter.feed(piece)
        shown.append(text)
        if stopped:
            return "".join(shown), True, shown
    shown.append(stop_filter.flush())
    return "".join(shown), False, shown


def test_no_stop_strings_pass_text_through() -> None:
    assert run([], ["Hel", "lo"]) == ("Hello", False, ["Hel", "lo", ""])


def test_stop_string_split_over_pieces_is_cut_and_never_shown() -> None:
    text, stopped, shown = run(["###"], ["Answer: 4", "#", "#", "# more"])
    assert (text, stopped) == ("Answer: 4", True)
    assert all("#" not in piece for piece in shown)


def test_partial_match_that_turns_out_not_to_be_a_stop_is_released() -> None:
    text, stopped, shown = run(["END"], ["It is EN", "D-less?", " no: ENDS"])
    assert stopped
    assert text == "It is "
    text, stopped, shown = run(["END"], ["It is EN", "ough"])
    assert (text, stopped) == ("It is ENough", False)
    assert shown[0] == "It is "  # "EN" held back until the next piece


def test_earliest_of_several_stops_wins() -> None:
    assert run(["\n\n", "User:"], ["Fine. User: hi\n\nx"])[:2] == ("Fine. ", True)
