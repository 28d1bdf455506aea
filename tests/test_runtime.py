import sys

from workshop_utils import runtime


def test_glue_without_myst_nb_shows_only_what_it_is_asked_to(monkeypatch, capsys):
    # Colab and a laptop without the book extra: no myst-nb, and no error.
    monkeypatch.setitem(sys.modules, "myst_nb", None)
    runtime.glue("hidden", 0.123, display=False)
    assert capsys.readouterr().out == ""
    runtime.glue("shown", 0.456)
    assert capsys.readouterr().out.strip() == "0.456"


def test_glue_with_myst_nb_hands_the_value_to_it(monkeypatch):
    import myst_nb

    calls = []
    monkeypatch.setattr(myst_nb, "glue", lambda *args, **kwargs: calls.append((args, kwargs)))
    runtime.glue("key", 1.5, display=False)
    assert calls == [(("key", 1.5), {"display": False})]
