"""The Logframe status and Export pages for the programmes outside the EU budget (AppTest, demo data):
each programme opens on its own scoring rule, says who finances it, and the Export page says what its
IATI file is."""

import pytest
from streamlit.testing.v1 import AppTest


def open_status(at: AppTest, programme: str) -> AppTest:
    at.sidebar.selectbox(key="programme").set_value(programme).run()
    at.switch_page("views/status.py").run()
    assert not at.exception
    return at


def test_the_budget_passports_open_on_the_state_methodology_for_2007(app):
    at = open_status(app, "rbp2007")
    assert at.radio(key="scoring_rule").value == "state"
    assert at.number_input(key="state_year_rbp2007").value == 2007
    assert at.info[0].value.startswith("A state budget programme of Kazakhstan; funding source: republican budget")
    captions = [c.value for c in at.caption]
    assert "This programme opens on the state methodology, because its plans and facts are annual." in captions
    assert any(c.startswith("How the passports meet the method (reconstructed, our mapping)") for c in captions)
    assert "Some of the values scored here are synthetic demo data (source: SYNTHETIC DEMO DATA" in " ".join(captions)
    assert at.subheader[0].value.startswith("D (programme): 0.")
    goals = at.dataframe[0].value
    assert len(goals) == 7  # one goal per passport
    rules = at.dataframe[3].value
    assert set(rules.iloc[:, 2]) == {"verbatim in the source document", "reconstructed (formula image lost)"}


def test_each_programme_opens_on_its_own_rule_and_a_choice_stays_with_it(app):
    at = open_status(app, "psr")
    assert at.radio(key="scoring_rule").value == "design" and not at.info
    at.radio(key="scoring_rule").set_value("state").run()
    assert at.radio(key="scoring_rule").value == "state"
    at.sidebar.selectbox(key="lang").set_value("kk").run()
    assert at.radio(key="scoring_rule").value == "state"  # the user's choice, same programme
    at.sidebar.selectbox(key="programme").set_value("rbp2007").run()
    assert at.radio(key="scoring_rule").value == "state"
    at.sidebar.selectbox(key="programme").set_value("psr_oecd").run()
    assert not at.exception and at.radio(key="scoring_rule").value == "design"
    assert at.info[0].value == "Қаржыландыру: Қазақстан Республикасының Үкіметі. ЕО бюджетіне кірмейді. PSR " \
                               "бағдарламасымен байланысты."


@pytest.mark.parametrize("programme", ["psr_oecd", "rbp2007"])
def test_the_export_page_says_the_iati_file_is_the_governments_activity(app, programme):
    app.sidebar.selectbox(key="programme").set_value(programme).run()
    app.switch_page("views/export.py").run()
    assert not app.exception
    [note] = [i.value for i in app.info if i.value.startswith("Not an EU activity")]
    assert "secondary reporter" in note and "Publish it only with the Government's agreement" in note
    assert "not part of the eu budget" in note.lower()


def test_an_eu_programme_s_export_page_has_no_such_note(app):
    app.switch_page("views/export.py").run()
    assert not [i for i in app.info if i.value.startswith("Not an EU activity")]
