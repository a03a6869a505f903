"""Stored rows as readers see them: headers, coded values and the audit log in the reader's language,
the frames themselves left as the library returns them."""

import datetime as dt
import json

import pandas as pd

from kzlogframe.catalog import load_catalog
from kzlogframe.tables import audit_rows, readable


def test_headers_and_codes_in_words_and_the_source_frame_untouched():
    batches = pd.DataFrame({"id": [2, 1], "status": ["rolled_back", "committed"], "rows_total": [3, 4]})
    shown = readable(batches, "ru", codes={"status": "batch"})
    assert list(shown.columns) == ["№", "Статус", "Строк"]
    assert shown["Статус"].tolist() == ["отменён", "сохранён"] and shown["Строк"].tolist() == [3, 4]
    assert list(batches.columns) == ["id", "status", "rows_total"]


def test_disaggregation_cells_by_each_rows_programme():
    catalog = load_catalog()
    rows = pd.DataFrame({"programme": ["kazlod", "psr", "psr"], "sex": ["female", "", "male"],
                         "oblast": ["East Kazakhstan", "", ""], "ministry": ["", "industry_innovation", ""]})
    shown = readable(rows, "kk", declared={code: lf.programme.disaggregation_values for code, lf in catalog.items()})
    assert shown["Жынысы"].tolist() == ["әйелдер", "", "ерлер"]
    assert shown["Облыс"].tolist() == ["Шығыс Қазақстан облысы", "", ""]
    assert shown["Министрлік"].tolist() == ["", "Өнеркәсіп/инновация", ""]


def test_an_unknown_code_stays_as_stored():
    shown = readable(pd.DataFrame({"status": ["committed", "archived", None]}), "kk", codes={"status": "batch"})
    assert shown["Мәртебе"].tolist()[:2] == ["сақталды", "archived"] and shown["Мәртебе"].isna().tolist()[2]


def test_the_audit_log_in_words():
    entries = pd.DataFrame({
        "id": [3, 2, 1], "logged_at": [dt.datetime(2026, 1, 1)] * 3, "user_name": ["ta", "ta", "boss"],
        "action": ["rollback", "activity_progress", "login"], "target": ["batch 4", "psr/R1.A1", "boss"],
        "detail": [None, json.dumps({"status": "completed", "start": "2012-01-23", "end": "None"}),
                   json.dumps({"client": "10.0.0.1", "rehashed": True})]})
    shown = audit_rows(entries, "ru")
    assert list(shown.columns) == ["№", "Время", "Пользователь", "Действие", "Объект", "Подробности"]
    assert shown["Действие"].tolist() == ["откат", "сроки мероприятий", "вход"]
    assert shown["Объект"].tolist() == ["пакет 4", "psr/R1.A1", "boss"]
    assert shown["Подробности"].tolist()[1:] == ["статус: завершено; начало: 2012-01-23; окончание: –",
                                                 "адрес: 10.0.0.1; хэш пароля обновлён: да"]
    assert audit_rows(entries, "kk")["Нысан"].iloc[0] == "4-пакет"
