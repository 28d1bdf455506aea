import sys

import matplotlib as mpl
import pytest

from workshop_utils import fetch, runtime


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


def test_the_jax_cache_follows_the_data_cache_unless_set_and_must_be_absolute(
    tmp_path, monkeypatch
):
    monkeypatch.setenv(fetch.DATA_DIR_ENV, str(tmp_path / "data"))
    monkeypatch.delenv(runtime.JAX_CACHE_ENV, raising=False)
    assert runtime.jax_cache_dir() == tmp_path / "data" / "jax"
    monkeypatch.setenv(runtime.JAX_CACHE_ENV, str(tmp_path / "compiled"))
    assert runtime.jax_cache_dir() == tmp_path / "compiled"
    monkeypatch.setenv(runtime.JAX_CACHE_ENV, "relative/jax")
    with pytest.raises(ValueError, match="WORKSHOP_JAX_CACHE='relative/jax' is a relative path"):
        runtime.jax_cache_dir()


def test_configure_notebook_applies_every_setting_of_a_notebook(tmp_path, monkeypatch):
    import jax
    import pynapple as nap

    monkeypatch.setenv(runtime.JAX_CACHE_ENV, str(tmp_path / "compiled"))
    before = {
        name: jax.config.values[name]
        for name in (
            "jax_enable_x64",
            "jax_compilation_cache_dir",
            "jax_persistent_cache_min_compile_time_secs",
        )
    }
    quiet = nap.nap_config.suppress_conversion_warnings
    try:
        with mpl.rc_context():
            mpl.rcParams["animation.html"] = "none"
            runtime.configure_notebook()
            assert mpl.rcParams["animation.html"] == "jshtml"  # the workshop's style
        assert jax.config.values["jax_enable_x64"] is True
        assert jax.config.values["jax_compilation_cache_dir"] == str(tmp_path / "compiled")
        assert jax.config.values["jax_persistent_cache_min_compile_time_secs"] == 0
        assert nap.nap_config.suppress_conversion_warnings is True
    finally:
        for name, value in before.items():
            jax.config.update(name, value)
        nap.nap_config.suppress_conversion_warnings = quiet


def test_glued_values_fill_in_the_prose_with_their_format(monkeypatch):
    monkeypatch.setattr(runtime, "NUMBERS", {})
    runtime.glue("gap", 0.012345, display=False)
    runtime.glue("verdict", "higher than", display=False)
    runtime.glue("n_units", 19, display=False)
    text = (
        "Scores {glue:text}`verdict` by {glue:text}`gap:.3f` over {glue:}`n_units` units "
        "({glue:text}`gap:.1%`), then {glue:text}`later:.2f`."
    )
    assert runtime.fill_in_numbers(text) == (
        "Scores higher than by 0.012 over 19 units (1.2%), then "
        "`later` (not computed yet: run the cells above)."
    )


def test_show_text_with_numbers_displays_markdown(monkeypatch):
    from IPython.display import Markdown

    shown = []
    monkeypatch.setattr(runtime, "NUMBERS", {"rate": 4.25})
    monkeypatch.setattr("IPython.display.display", shown.append)
    runtime.show_text_with_numbers("The rate is {glue:text}`rate:.1f` Hz.")
    assert isinstance(shown[0], Markdown) and shown[0].data == "The rate is 4.2 Hz."
